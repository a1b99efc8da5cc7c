"""The MCP server: the agents' API as tools, over stdio (`manage.py mcp_serve`) and streamable HTTP
(/mcp/), behind the same tokens."""
