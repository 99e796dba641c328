"""larkgate: a self-hostable remote MCP gateway to Feishu / Lark for teams."""

__version__ = "0.1.0"
