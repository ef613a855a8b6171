"""Flask extensions, created unbound and bound to the app in the factory."""
from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from app.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# No limit applies by itself: the login view counts its failures on it (see ``app.auth``).
limiter = Limiter(key_func=get_remote_address)

# Models subclass ``Model``: Flask-SQLAlchemy's ``db.Model`` at run time, its typed base for mypy.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
