"""Typed access to the bot's services from every callback (``ContextTypes(context=...)``).

The services live in ``bot_data``, an instance of :class:`BotData` created by the application;
``bot.py`` fills it in ``build_application`` and ``post_init``. Callbacks use the properties of
:class:`CustomContext` (``context.storage``, ``context.knowledge``...) instead of string keys.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from config import Config
from dialogue.memory import DayCounts, ExpiringPrompts, SlidingWindow
from storage.base import SecretCheck, StorageError
from storage.pseudonym import citizen_key

if TYPE_CHECKING:
    from dialogue.conversation import Conversation
    from knowledge.faq_store import FaqStore
    from knowledge.live import KnowledgeBase
    from knowledge.matcher import Matcher
    from storage.base import Storage


@dataclass
class BotData:
    """The services of one application; ``bot_data`` is an instance of this class."""

    config: Config = field(default_factory=Config)
    storage: Storage | None = None
    knowledge: KnowledgeBase | None = None
    # The FAQ file with its kept versions, for officers' uploads (handlers.faq_files).
    faq_store: FaqStore | None = None
    flood: SlidingWindow = field(default_factory=SlidingWindow)
    # The same per group chat, all members together (keyed by chat, in memory only).
    group_flood: SlidingWindow = field(default_factory=SlidingWindow)
    # Messages flood control dropped, per Vietnamese day, not yet written (see jobs).
    dropped: DayCounts = field(default_factory=DayCounts)
    # The citizens' conversation (made in post_init, once storage and knowledge are there).
    conversation: Conversation | None = None
    # The findings of the last failed reload, so officers are told once per distinct failure.
    last_reload_problem: tuple[str, ...] = ()
    # What storage found at start about the secrets citizen keys were made with (post_init).
    secrets: SecretCheck = field(default_factory=SecretCheck)
    # Set when the database file went from under the bot: it stops, and exits with 1.
    storage_lost: StorageError | None = None
    # "Hỏi cán bộ" questions waiting for the citizen's consent, by citizen key, for an hour:
    # in memory only, since nothing may be kept before consent (see handlers.handoff).
    handoff_pending: ExpiringPrompts = field(default_factory=lambda: ExpiringPrompts(3600.0))
    # How to stop the bot from inside (the webhook server's own; else stop_running).
    stop: Callable[[], None] | None = None

    def stop_bot(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Stop the bot gracefully, as a stop signal would."""
        if self.stop is not None:
            self.stop()
        else:
            application.stop_running()


class CustomContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The callback context with typed properties for the services in :class:`BotData`."""

    @property
    def config(self) -> Config:
        return self.bot_data.config

    @property
    def storage(self) -> Storage:
        storage = self.bot_data.storage
        if storage is None:
            raise RuntimeError("storage is not set up: build the app with build_application()")
        return storage

    @property
    def knowledge(self) -> KnowledgeBase:
        knowledge = self.bot_data.knowledge
        if knowledge is None:
            raise RuntimeError("the knowledge base is loaded in post_init, which has not run")
        return knowledge

    @property
    def faq_store(self) -> FaqStore:
        store = self.bot_data.faq_store
        if store is None:
            raise RuntimeError("the FAQ store is made in build_application()")
        return store

    @property
    def conversation(self) -> Conversation:
        conversation = self.bot_data.conversation
        if conversation is None:
            raise RuntimeError("the conversation is made in post_init, which has not run")
        return conversation

    @property
    def matcher(self) -> Matcher:
        """The current matcher (replaced as a whole on reload, so read it once per update)."""
        return self.knowledge.matcher

    @functools.cached_property
    def citizen(self) -> str:
        """The pseudonymous key of the user this update comes from (never their id).

        Worked out once per update: PTB makes one context per update for all its handlers."""
        if self._user_id is None:
            raise RuntimeError("this update has no user")
        return self.key_of(self._user_id)

    @functools.cached_property
    def earlier_citizens(self) -> list[str]:
        """The keys the previous secrets (``previous_pseudonym_secrets``) gave this user:
        where their records from before a rotation lie, until they are moved."""
        if self._user_id is None:
            raise RuntimeError("this update has no user")
        user_id = self._user_id
        return [citizen_key(user_id, secret) for secret in self.config.pseudonym_secrets()[1:]]

    def key_of(self, user_id: int) -> str:
        """The pseudonymous key of any Telegram user id (for logs about officers too)."""
        secret = self.config.pseudonym_secret
        if not secret:
            raise RuntimeError("pseudonym_secret is not configured")
        return citizen_key(user_id, secret)


DanVanApplication = Application[
    ExtBot[None], CustomContext, dict[Any, Any], dict[Any, Any], BotData, JobQueue[CustomContext]
]
