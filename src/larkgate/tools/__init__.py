"""MCP tools: declared records (spec), the one filter (registry), the protocol edge (server), one module per domain."""
