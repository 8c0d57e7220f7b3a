"""The API's routers, one per concern; `functions.api.app` includes them all."""
