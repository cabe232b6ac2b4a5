"""A real SMTP server on loopback for the notice tests (aiosmtpd).

Listens on 127.0.0.1 at a port the system chooses and prints `PORT <n>` first; then one
JSON line per message received: the envelope, and the headers and text as Python's own
MIME parser decodes them (so the test checks what a mail client shows, not our encoding).
`--auth USER:PASS` requires that login (AUTH PLAIN/LOGIN, allowed without TLS here).
`--reject CODE` answers every RCPT with CODE (e.g. 550 or 451).
`--starttls CERT KEY` offers STARTTLS with that certificate.
Ends when its standard input closes (the test ends).
"""

import argparse
import asyncio
import email
import email.policy
import json
import logging
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, reject):
        self.reject = reject

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject:
            return f"{self.reject} <{address}> refused for the test"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        body = msg.get_content() if not msg.is_multipart() else ""
        line = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(msg["From"]),
            "to": str(msg["To"]),
            "subject": str(msg["Subject"]),
            "content_type": msg.get_content_type(),
            "charset": msg.get_content_charset(),
            "message_id": str(msg["Message-ID"]),
            "mime_version": str(msg["MIME-Version"]),
            "date": str(msg["Date"]),
            "body": body,
            "login": session.auth_data.decode() if isinstance(session.auth_data, bytes) else None,
        }
        print(json.dumps(line, ensure_ascii=False), flush=True)
        return "250 Message accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--auth")
    parser.add_argument("--reject")
    parser.add_argument("--starttls", nargs=2)
    args = parser.parse_args()
    # aiosmtpd warns, on every connection, of AUTH without TLS: wanted here.
    logging.getLogger("mail.log").setLevel(logging.ERROR)

    def authenticator(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = args.auth.split(":", 1)
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)

    async def serve():
        loop = asyncio.get_running_loop()
        handler = Handler(args.reject)

        def factory():
            if args.auth:
                return SMTP(
                    handler,
                    authenticator=authenticator,
                    auth_required=True,
                    auth_require_tls=False,
                    enable_SMTPUTF8=True,
                )
            if args.starttls:
                context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                context.load_cert_chain(*args.starttls)
                return SMTP(handler, enable_SMTPUTF8=True, tls_context=context)
            return SMTP(handler, enable_SMTPUTF8=True)

        server = await loop.create_server(factory, "127.0.0.1", 0)
        print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
        # Until the test closes our standard input.
        await loop.run_in_executor(None, sys.stdin.read)
        server.close()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
