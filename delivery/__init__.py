"""How updates reach the application and when their receipt is confirmed to Telegram."""
