"""The knowledge side of the assistant: the FAQ, Vietnamese normalization and the matcher.

Nothing in this package imports ``telegram``: it is used by the bot, the offline commands
and the officer tools alike.
"""
