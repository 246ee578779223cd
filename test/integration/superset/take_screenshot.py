"""Loads a generated superset_config.py and takes a dashboard screenshot the way Superset 6.1's
WebDriverSelenium does (superset/utils/webdriver.py): Chrome options with the window size and
scale factor, then WEBDRIVER_OPTION_ARGS; chromedriver from WEBDRIVER_CONFIGURATION["service"];
the login cookie set on WEBDRIVER_BASEURL + "/login/"; the page loaded, its element awaited for
SCREENSHOT_LOCATE_WAIT, the "loading" spinners for SCREENSHOT_LOAD_WAIT; the element's PNG.

A stand-in web server answers on WEBDRIVER_BASEURL's port on this (sandboxed) loopback, where
the test's /etc/hosts maps the web Service name to 127.0.0.1. Prints one JSON line: the PNG's
size, and the requests the server saw (path and whether the session cookie came with them)."""
import http.server
import importlib.util
import json
import os
import struct
import sys
import threading
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

spec = importlib.util.spec_from_file_location("superset_config", sys.argv[1])
config = importlib.util.module_from_spec(spec)
spec.loader.exec_module(config)
output, appear_after_ms = sys.argv[2], int(sys.argv[3])

# Superset 6.1's WEBDRIVER_WINDOW default (superset/config.py); the platform does not set it.
WINDOW = {"dashboard": (1600, 2000), "pixel_density": 1}
SESSION = "session=stand-in-login"

seen = []
PAGE = """<!doctype html><html><body style="margin:0">
<div class="loading">loading</div>
<script>
setTimeout(function () {
  document.querySelector('.loading').remove();
  var d = document.createElement('div');
  d.className = 'standalone';
  d.style.cssText = 'width:400px;height:300px;background:#1a85a0';
  d.textContent = 'weekly dashboard';
  document.body.appendChild(d);
}, %d);
</script></body></html>"""


class Web(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        cookie = self.headers.get("Cookie") or ""
        if self.path == "/favicon.ico":  # Chromium asks for it after every page
            self.answer(404, "")
            return
        seen.append({"path": self.path, "session": SESSION in cookie})
        if self.path.startswith("/login/"):
            self.answer(200, "<html><body>login</body></html>")
        elif self.path.startswith("/superset/dashboard/1/") and SESSION in cookie:
            self.answer(200, PAGE % appear_after_ms)
        else:
            self.send_response(302)
            self.send_header("Location", "/login/")
            self.end_headers()

    def answer(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


base = urllib.parse.urlsplit(config.WEBDRIVER_BASEURL)
server = http.server.ThreadingHTTPServer(("127.0.0.1", base.port), Web)
threading.Thread(target=server.serve_forever, daemon=True).start()

assert config.WEBDRIVER_TYPE == "chrome", config.WEBDRIVER_TYPE
options = Options()
width, height = WINDOW["dashboard"]
options.add_argument(f"--force-device-scale-factor={WINDOW['pixel_density']}")
options.add_argument(f"--window-size={width},{height}")
for arg in config.WEBDRIVER_OPTION_ARGS:
    options.add_argument(arg)
service = Service(**config.WEBDRIVER_CONFIGURATION["service"])
driver = webdriver.Chrome(service=service, options=options)
result = {}
try:
    driver.set_window_size(width, height)
    # MachineAuthProvider.authenticate_webdriver: open the login page, then set the cookies.
    driver.get(urllib.parse.urljoin(config.WEBDRIVER_BASEURL, "/login/"))
    name, value = SESSION.split("=", 1)
    driver.add_cookie({"name": name, "value": value})
    driver.get(urllib.parse.urljoin(config.WEBDRIVER_BASEURL, "/superset/dashboard/1/?standalone=3"))
    try:
        element = WebDriverWait(driver, config.SCREENSHOT_LOCATE_WAIT).until(
            EC.presence_of_element_located((By.CLASS_NAME, "standalone"))
        )
        WebDriverWait(driver, config.SCREENSHOT_LOAD_WAIT).until_not(
            EC.presence_of_all_elements_located((By.CLASS_NAME, "loading"))
        )
        png = element.screenshot_as_png
        with open(output, "wb") as f:
            f.write(png)
        assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
        result["png"] = dict(zip(("width", "height"), struct.unpack(">II", png[16:24])))
    except TimeoutException:
        result["timeout"] = "the dashboard element did not appear within SCREENSHOT_LOCATE_WAIT"
finally:
    driver.quit()
    server.shutdown()
result["requests"] = seen
result["uid"] = os.getuid()
result["rootWritable"] = os.access("/usr", os.W_OK)
print(json.dumps(result))
