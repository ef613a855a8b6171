"""Flask extensions, created unbound and bound to the app in the factory."""
from typing import TYPE_CHECKING

from flask_babel import Babel
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

# Models subclass ``Model``: Flask-SQLAlchemy's ``db.Model`` at run time, its typed base for mypy.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
