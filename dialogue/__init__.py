"""The citizen's conversation without Telegram: :class:`~dialogue.conversation.Conversation`
decides, :mod:`dialogue.replies` says what was decided, :mod:`dialogue.memory` holds the
little state that lives in memory."""
