"""Helpers for the reliability and security tests: child processes and a fake Bot API."""
