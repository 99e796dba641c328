"""Feishu / Lark: the HTTP client, error mapping, user-token identity (single-flight refresh) and brands."""
