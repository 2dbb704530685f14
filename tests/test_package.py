"""The package's promised addresses: `from bot import create_app` (the app factory) keeps working
while `bot/__init__.py` stays light."""
import subprocess
import sys


def test_the_app_factory_is_importable_from_the_package_and_loads_flask_only_then():
    code = ("import sys, bot; assert 'flask' not in sys.modules; from bot import create_app; "
            "import bot.app; assert create_app is bot.app.create_app; assert 'flask' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
