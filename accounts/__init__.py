"""Users, API keys and the account API."""
