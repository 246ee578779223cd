"""Loads the rendered Celery app of Celery Flower (flower_app.py) with Debian's real Celery and
kombu, and Flower's settings file (flowerconfig.py) the way Flower does (tornado's options, with
the names Flower defines): reaches the broker with the password from the Secret file, sends the
broadcast Flower's pages send (inspect ping: no worker answers here), and prints the login and
prefix Flower would use. Prints one JSON line."""
import json
import sys

from tornado.options import OptionParser

sys.path.insert(0, sys.argv[1])
import flower_app  # noqa: E402

result = {}
try:
    with flower_app.app.connection() as conn:
        conn.ensure_connection(max_retries=2, interval_start=0.2, interval_step=0.2)
        result["broker"] = "connected"
    result["ping"] = flower_app.app.control.inspect(timeout=0.5).ping()
except Exception as error:  # reported to the test
    result["error"] = f"{type(error).__name__}: {error}"

# Flower's own option names (flower/options.py); unknown names in the file are ignored as Flower does.
options = OptionParser()
options.define("port", default=5555, type=int)
options.define("url_prefix", default="", type=str)
options.define("xheaders", default=False, type=bool)
options.define("basic_auth", type=str, default=None, multiple=True)
options.define("purge_offline_workers", default=None, type=int)
options.define("max_tasks", type=int, default=100000)
options.parse_config_file(sys.argv[1] + "/flowerconfig.py", final=False)
result["options"] = {"port": options.port, "url_prefix": options.url_prefix, "xheaders": options.xheaders, "basic_auth": options.basic_auth, "purge_offline_workers": options.purge_offline_workers, "max_tasks": options.max_tasks}
print(json.dumps(result))
