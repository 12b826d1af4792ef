#!/usr/bin/python3
"""Real alert receivers on loopback for Sluice's alert tests (test-only; Debian's Python 3).

One process runs:
  - an SMTP server (aiosmtpd, Debian's python3-aiosmtpd) that accepts AUTH LOGIN/PLAIN for the
    given user and password (plain SMTP on loopback, so auth_require_tls is off) and records
    each message: envelope, Subject (decoded), and the MIME types of its parts;
  - an HTTP server recording every POST to /lark, /dingtalk, /wecom, /slack and /webhook, and
    verifying the signatures as each tool does:
      Lark:     sign == base64(HMAC-SHA256(key = timestamp + "\\n" + secret, msg = "")), with the
                timestamp (seconds) within an hour; answers {"code": 0} or {"code": 19021}
      DingTalk: sign (query) == base64(HMAC-SHA256(key = secret, msg = timestamp + "\\n" +
                secret)) with the timestamp (ms) within an hour; {"errcode": 0} or 310000
      webhook:  X-Sluice-Signature == "sha256=" + hex(HMAC-SHA256(secret, body)) when a secret
                is given, and the custom header X-Test-Token == the given token
    GET /records answers every recorded post and message as JSON: {"http": [...], "smtp": [...]}.
    GET /healthz answers ok.
  - with --tls-cert and --tls-key, two more SMTP servers with the same login and records: one on
    --starttls-port that requires STARTTLS (and TLS before AUTH), one on --smtps-port that
    speaks TLS from the first byte (SMTPS). Each record says which server took it ("server").

Usage: receivers.py --http-port N --smtp-port M --secret S --user U --password P
                    [--tls-cert F --tls-key K --starttls-port N --smtps-port M]
Prints "ready" on stdout once both listen. Stops on SIGTERM.
"""
import argparse
import base64
import email
import email.policy
import hashlib
import hmac
import json
import signal
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

records = {"http": [], "smtp": []}
lock = threading.Lock()


def lark_ok(body, secret):
    ts, sign = body.get("timestamp"), body.get("sign")
    if not ts or not sign:
        return False, "no timestamp/sign"
    if abs(time.time() - int(ts)) > 3600:
        return False, "timestamp too old"
    key = f"{ts}\n{secret}".encode()
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    return sign == expected, "sign match fail" if sign != expected else ""


def dingtalk_ok(query, secret):
    ts = query.get("timestamp", [""])[0]
    sign = query.get("sign", [""])[0]
    if not ts or not sign:
        return False, "no timestamp/sign"
    if abs(time.time() * 1000 - int(ts)) > 3600 * 1000:
        return False, "timestamp too old"
    msg = f"{ts}\n{secret}".encode()
    expected = base64.b64encode(hmac.new(secret.encode(), msg, hashlib.sha256).digest()).decode()
    return sign == expected, "sign not match" if sign != expected else ""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def answer(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/records":
            with lock:
                self.answer(200, records)
        elif self.path == "/healthz":
            self.answer(200, "ok", "text/plain")
        else:
            self.answer(404, {"error": "no such path"})

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            body = json.loads(raw)
        except ValueError:
            self.answer(400, {"error": "not JSON"})
            return
        kind = url.path.strip("/").split("/")[0]
        secret = self.server.secret
        verified, reason = True, ""
        if kind == "lark":
            verified, reason = lark_ok(body, secret)
        elif kind == "dingtalk":
            verified, reason = dingtalk_ok(query, secret)
        elif kind == "webhook":
            expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
            if self.headers.get("X-Sluice-Signature") != expected:
                verified, reason = False, "bad X-Sluice-Signature"
            elif self.headers.get("X-Test-Token") != self.server.token:
                verified, reason = False, "bad X-Test-Token"
        entry = {"kind": kind, "path": url.path, "body": body, "verified": verified,
                 "reason": reason, "at": time.time()}
        with lock:
            records["http"].append(entry)
        if kind == "lark":
            self.answer(200, {"code": 0, "msg": "success"} if verified
                        else {"code": 19021, "msg": reason})
        elif kind in ("dingtalk", "wecom"):
            self.answer(200, {"errcode": 0, "errmsg": "ok"} if verified
                        else {"errcode": 310000, "errmsg": reason})
        elif kind == "slack":
            self.answer(200, "ok", "text/plain")
        elif kind == "webhook":
            self.answer(200 if verified else 401, {"ok": verified, "reason": reason})
        else:
            self.answer(404, {"error": "no such receiver"})


class MailHandler:
    def __init__(self, name):
        self.name = name

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = [part.get_content_type() for part in message.walk()]
        texts = {}
        for part in message.walk():
            if part.get_content_maintype() == "text":
                texts[part.get_content_type()] = part.get_content()
        with lock:
            records["smtp"].append({
                "from": envelope.mail_from, "to": envelope.rcpt_tos,
                "subject": str(message["Subject"]), "parts": parts, "texts": texts,
                "authenticated": bool(session.authenticated), "at": time.time(),
                "server": self.name,
                "tls": server.transport.get_extra_info("ssl_object") is not None})
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--secret", default="test-secret")
    parser.add_argument("--token", default="test-token")
    parser.add_argument("--user", default="alerts")
    parser.add_argument("--password", default="mail-password")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--starttls-port", type=int)
    parser.add_argument("--smtps-port", type=int)
    args = parser.parse_args()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.user
              and auth_data.password.decode() == args.password)
        return AuthResult(success=ok)

    controllers = [Controller(MailHandler("plain"), hostname="127.0.0.1", port=args.smtp_port,
                              authenticator=authenticator, auth_require_tls=False)]
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        controllers.append(Controller(MailHandler("starttls"), hostname="127.0.0.1",
                                      port=args.starttls_port, authenticator=authenticator,
                                      tls_context=context, require_starttls=True,
                                      auth_require_tls=True))
        controllers.append(Controller(MailHandler("smtps"), hostname="127.0.0.1",
                                      port=args.smtps_port, authenticator=authenticator,
                                      ssl_context=context, auth_require_tls=False))
    for controller in controllers:
        controller.start()
    http_server = ThreadingHTTPServer(("127.0.0.1", args.http_port), Handler)
    http_server.secret = args.secret
    http_server.token = args.token
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=http_server.shutdown).start())
    print("ready", flush=True)
    try:
        http_server.serve_forever()
    finally:
        for controller in controllers:
            controller.stop()


if __name__ == "__main__":
    sys.exit(main())
