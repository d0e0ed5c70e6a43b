"""Settings for the chat site, every deployment-specific value read from the environment,
one module per concern. See README.md, "Settings", for what each variable does."""

from chatsite.settings.accounts import *  # noqa: F403
from chatsite.settings.core import *  # noqa: F403
from chatsite.settings.digests import *  # noqa: F403
from chatsite.settings.files import *  # noqa: F403
from chatsite.settings.integrations import *  # noqa: F403
from chatsite.settings.live import *  # noqa: F403
from chatsite.settings.notifications import *  # noqa: F403
from chatsite.settings.push import *  # noqa: F403
from chatsite.settings.webhooks import *  # noqa: F403
