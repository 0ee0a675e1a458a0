#!/usr/bin/python3
"""A deliberately small ACME client for the refusal cases real clients never
send: replayed nonces, missing or foreign EAB, wrong key authorizations, CSRs
that do not match the order. Uses only Debian's python3-cryptography.

Each command prints one line "<case>: <outcome>" per check, where outcome is
the ACME problem type (or the final status) the server answered; the shell
test compares them.
"""
import base64
import datetime
import hashlib
import hmac
import http.server
import ipaddress
import json
import os
import socket
import ssl
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64d(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Client:
    def __init__(self, directory, cafile=None):
        self.ctx = ssl.create_default_context(cafile=cafile) if cafile else None
        self.dir = self.get_json(directory)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.kid = None
        self.nonce = None

    def open(self, req):
        try:
            return urllib.request.urlopen(req, context=self.ctx, timeout=20)
        except urllib.error.HTTPError as e:
            return e

    def get_json(self, url):
        with self.open(urllib.request.Request(url)) as r:
            return json.loads(r.read())

    def fresh_nonce(self, new_nonce_url=None):
        req = urllib.request.Request(new_nonce_url or self.dir["newNonce"], method="HEAD")
        with self.open(req) as r:
            return r.headers["Replay-Nonce"]

    def jwk(self):
        n = self.key.public_key().public_numbers()
        return {"crv": "P-256", "kty": "EC", "x": b64(n.x.to_bytes(32, "big")),
                "y": b64(n.y.to_bytes(32, "big"))}

    def thumbprint(self):
        return b64(hashlib.sha256(json.dumps(self.jwk(), sort_keys=True, separators=(",", ":")).encode()).digest())

    def sign(self, url, payload, nonce=None, use_jwk=False):
        header = {"alg": "ES256", "nonce": nonce or self.nonce or self.fresh_nonce(), "url": url}
        if use_jwk or not self.kid:
            header["jwk"] = self.jwk()
        else:
            header["kid"] = self.kid
        protected = b64(json.dumps(header))
        body = "" if payload is None else b64(json.dumps(payload))
        r, s = decode_dss_signature(self.key.sign(f"{protected}.{body}".encode(), ec.ECDSA(hashes.SHA256())))
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return json.dumps({"protected": protected, "payload": body, "signature": b64(sig)}).encode()

    def post(self, url, payload, nonce=None, use_jwk=False, send_to=None):
        data = self.sign(url, payload, nonce, use_jwk)
        req = urllib.request.Request(send_to or url, data=data, method="POST",
                                     headers={"Content-Type": "application/jose+json"})
        with self.open(req) as r:
            self.nonce = r.headers.get("Replay-Nonce")
            raw = r.read()
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                body = raw
            return r.status, r.headers, body

    def eab(self, kid, hmac_key):
        url = self.dir["newAccount"]
        protected = b64(json.dumps({"alg": "HS256", "kid": kid, "url": url}))
        payload = b64(json.dumps(self.jwk()))
        mac = hmac.new(b64d(hmac_key), f"{protected}.{payload}".encode(), hashlib.sha256).digest()
        return {"protected": protected, "payload": payload, "signature": b64(mac)}

    def new_account(self, kid=None, hmac_key=None):
        payload = {"termsOfServiceAgreed": True}
        if kid:
            payload["externalAccountBinding"] = self.eab(kid, hmac_key)
        status, headers, body = self.post(self.dir["newAccount"], payload, use_jwk=True)
        if status in (200, 201):
            self.kid = headers["Location"]
        return status, body

    def new_order(self, names):
        ids = [{"type": "ip" if all(c in "0123456789." for c in n) else "dns", "value": n} for n in names]
        return self.post(self.dir["newOrder"], {"identifiers": ids})


def problem(body):
    if isinstance(body, dict) and "type" in body:
        return body["type"].rsplit(":", 1)[-1]
    return "ok"


def serve_http01(port, answers, on_request=None, redirect_to=None):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if on_request:
                on_request()
            if redirect_to:
                self.send_response(302)
                self.send_header("Location", redirect_to + self.path)
                self.end_headers()
                return
            token = self.path.rsplit("/", 1)[-1]
            body = answers.get(token, "").encode()
            self.send_response(200 if body else 404)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def wait_order(client, order_url, want=("ready", "invalid", "valid"), timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, _, order = client.post(order_url, None)
        # While an instance dies the proxy answers 502/504 (an HTML page, no
        # nonce) for what it had sent there; a client polls on, as certbot and
        # lego do. Any other non-JSON answer ends the wait and is reported.
        if status in (502, 503, 504) and not isinstance(order, dict):
            time.sleep(0.2)
            continue
        if not isinstance(order, dict) or order.get("status") in want:
            return order
        time.sleep(0.2)
    return order


def validate(client, names, port, answer_for, on_request=None, timeout=30, redirect_to=None):
    """Order `names`, answer each http-01 challenge with answer_for(token, keyauth), wait."""
    answers = {}
    status, headers, order = client.new_order(names)
    if status != 201:
        return None, order
    order_url = headers["Location"]
    server = serve_http01(port, answers, on_request, redirect_to) if port else None
    try:
        for authz_url in order["authorizations"]:
            _, _, authz = client.post(authz_url, None)
            chall = next(c for c in authz["challenges"] if c["type"] == "http-01")
            answers[chall["token"]] = answer_for(chall["token"], chall["token"] + "." + client.thumbprint())
            client.post(chall["url"], {})
        return order_url, wait_order(client, order_url, timeout=timeout)
    finally:
        if server:
            server.shutdown()
            server.server_close()


def serve_tls_alpn01(port, address, key_authorization, seen_sni):
    """A tls-alpn-01 responder (RFC 8737) for an ip identifier: a certificate
    naming only `address`, with the critical acmeIdentifier extension; records
    the SNI each handshake carried in seen_sni."""
    key = ec.generate_private_key(ec.SECP256R1())
    digest = hashlib.sha256(key_authorization.encode()).digest()
    now = datetime.datetime.now(datetime.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "acme-tls-alpn-01")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(address))]),
                           critical=False)
            .add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.5.5.7.1.31"),
                                                      b"\x04\x20" + digest), critical=True)
            .sign(key, hashes.SHA256()))
    fd, path = tempfile.mkstemp(suffix=".pem")
    with os.fdopen(fd, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(path)
    os.unlink(path)
    ctx.set_alpn_protocols(["acme-tls/1"])
    ctx.sni_callback = lambda sock, server_name, _: seen_sni.append(server_name)
    listener = socket.create_server(("127.0.0.1", port), reuse_port=False)
    listener.settimeout(0.2)
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            try:
                conn.settimeout(5)
                with ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.unwrap()
            except (OSError, ssl.SSLError):
                pass
    thread = threading.Thread(target=loop, daemon=True)
    thread.start()

    def close():
        stop.set()
        thread.join()
        listener.close()
    return close


def csr_for(names, key=None):
    key = key or ec.generate_private_key(ec.SECP256R1())
    sans = [x509.IPAddress(ipaddress.ip_address(n)) if all(c in "0123456789." for c in n) else x509.DNSName(n)
            for n in names]
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
           .add_extension(x509.SubjectAlternativeName(sans), critical=False)
           .sign(key, hashes.SHA256()))
    return b64(csr.public_bytes(serialization.Encoding.DER))


def main():
    cmd, directory, cafile = sys.argv[1], sys.argv[2], sys.argv[3] or None
    args = sys.argv[4:]
    c = Client(directory, cafile)
    if cmd == "accounts":
        # args: good_kid good_hmac foreign_kid foreign_hmac
        good_kid, good_hmac, foreign_kid, foreign_hmac = args
        print("no EAB:", problem(c.new_account()[1]))
        print("foreign-tenant EAB:", problem(c.new_account(foreign_kid, foreign_hmac)[1]))
        bad = good_hmac[:-2] + ("AA" if not good_hmac.endswith("AA") else "BB")
        print("EAB with a wrong MAC:", problem(c.new_account(good_kid, bad)[1]))
        status, _ = c.new_account(good_kid, good_hmac)
        print("good EAB:", "created" if status == 201 else status)
        other = Client(directory, cafile)
        print("reused EAB:", problem(other.new_account(good_kid, good_hmac)[1]))
    elif cmd == "nonces":
        # args: kid hmac other_instance_base this_instance_base
        kid, hmac_key, other_base, this_base = args
        c.new_account(kid, hmac_key)
        nonce = c.fresh_nonce()
        status, _, _ = c.post(c.kid, None, nonce=nonce)
        print("fresh nonce:", "ok" if status == 200 else status)
        # The same request, same nonce, sent to the other instance directly.
        replay_to = c.kid.replace(this_base, other_base)
        print("replayed on another instance:", problem(c.post(c.kid, None, nonce=nonce, send_to=replay_to)[2]))
        print("made-up nonce:", problem(c.post(c.kid, None, nonce=b64(b"x" * 32))[2]))
        print("wrong url:", problem(c.post(c.kid, None, send_to=c.dir["newOrder"])[2]))
    elif cmd == "orders":
        # args: kid hmac allowed_name refused_name http01_port
        kid, hmac_key, allowed, refused, port = args
        c.new_account(kid, hmac_key)
        print("identifier outside policy:", problem(c.new_order([refused])[2]))
        _, order = validate(c, [allowed], int(port), lambda token, ka: "not-the-key-authorization")
        print("wrong key authorization:", order.get("status"), problem(order.get("error", {})))
        _, order = validate(c, [allowed], 0, lambda token, ka: ka)  # nobody answers
        print("unreachable responder:", order.get("status"), problem(order.get("error", {})))
        order_url, order = validate(c, [allowed], int(port), lambda token, ka: ka)
        print("right key authorization:", order.get("status"))
        status, _, body = c.post(order["finalize"], {"csr": csr_for([allowed, "extra." + allowed])})
        print("CSR with another name:", problem(body))
        cert_key = ec.generate_private_key(ec.SECP256R1())
        status, _, body = c.post(order["finalize"], {"csr": csr_for([allowed], cert_key)})
        print("matching CSR:", body.get("status") if isinstance(body, dict) else status)
        _, _, chain = c.post(body["certificate"], None)
        der = x509.load_pem_x509_certificate(chain).public_bytes(serialization.Encoding.DER)
        holder = Client(directory, cafile)
        holder.key = cert_key
        status, _, _ = holder.post(holder.dir["revokeCert"], {"certificate": b64(der), "reason": 1}, use_jwk=True)
        print("revoked by the certificate key:", status)
        print("revoked again:", problem(c.post(c.dir["revokeCert"], {"certificate": b64(der)})[2]))
        _, headers, order = c.new_order([allowed])
        _, _, account = c.post(c.kid, None)
        _, _, listed = c.post(account["orders"], None)
        urls = listed.get("orders", [])
        # Newest first: the pending order, then the valid one; the two invalid ones not at all.
        print("orders listed:", len(urls), "newest pending:", urls[:1] == [headers["Location"]],
              "then valid:", urls[1:2] == [order_url])
        _, _, authz = c.post(order["authorizations"][0], {"status": "deactivated"})
        print("authorization deactivated:", authz.get("status"))
        _, _, account = c.post(c.kid, {"status": "deactivated"})
        print("account deactivated:", account.get("status"))
        print("after deactivation:", problem(c.new_order([allowed])[2]))
    elif cmd == "slow":
        # args: kid hmac name http01_port marker_file: the responder notes each
        # request in marker_file and answers after 1.5 s, so a validation is in
        # flight long enough to kill the worker doing it.
        kid, hmac_key, name, port, marker = args
        c.new_account(kid, hmac_key)

        def noted():
            with open(marker, "a") as f:
                f.write("request\n")
            time.sleep(1.5)

        _, order = validate(c, [name], int(port), lambda token, ka: ka, noted, timeout=60)
        if isinstance(order, dict):
            print("interrupted validation:", order.get("status"), problem(order.get("error", {})))
        else:
            print("interrupted validation: not JSON:", order[:200])
    elif cmd == "keychange":
        # args: kid hmac
        kid, hmac_key = args
        c.new_account(kid, hmac_key)
        old_key = c.key
        old_jwk = c.jwk()
        new_key = ec.generate_private_key(ec.SECP256R1())
        url = c.dir["keyChange"]
        c.key = new_key
        inner_header = b64(json.dumps({"alg": "ES256", "jwk": c.jwk(), "url": url}))
        inner_payload = b64(json.dumps({"account": c.kid, "oldKey": old_jwk}))
        r, s_ = decode_dss_signature(new_key.sign(f"{inner_header}.{inner_payload}".encode(), ec.ECDSA(hashes.SHA256())))
        inner = {"protected": inner_header, "payload": inner_payload,
                 "signature": b64(r.to_bytes(32, "big") + s_.to_bytes(32, "big"))}
        c.key = old_key
        status, _, body = c.post(url, inner)
        print("key change:", status)
        c.key = new_key
        status, _, _ = c.post(c.kid, None)
        print("the new key works:", status)
        c.key = old_key
        print("the old key:", problem(c.post(c.kid, None)[2]))
    elif cmd == "ip":
        # args: kid hmac address http01_port
        kid, hmac_key, address, port = args
        c.new_account(kid, hmac_key)
        _, order = validate(c, [address], int(port), lambda token, ka: ka)
        status, _, body = c.post(order["finalize"], {"csr": csr_for([address])})
        _, _, chain = c.post(body["certificate"], None)
        cert = x509.load_pem_x509_certificate(chain)
        ips = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.IPAddress)
        print("ip identifier:", body.get("status"), " ".join("IP:" + str(i) for i in ips))
    elif cmd == "orders-paging":
        # args: kid hmac domain count: `count` orders, then the account's list
        # followed through its "next" links; prints what the pages held.
        kid, hmac_key, domain, count = args
        c.new_account(kid, hmac_key)
        made = []
        for i in range(int(count)):
            status, headers, _ = c.new_order([f"p{i}.{domain}"])
            if status != 201:
                print("new-order failed:", status)
                return
            made.append(headers["Location"])
        _, _, account = c.post(c.kid, None)
        url, pages, listed = account["orders"], [], []
        while url and len(pages) < 10:
            status, headers, body = c.post(url, None)
            pages.append(len(body.get("orders", [])) if isinstance(body, dict) else status)
            listed += body.get("orders", []) if isinstance(body, dict) else []
            nexts = [link for link in headers.get_all("Link") or [] if 'rel="next"' in link]
            url = nexts[0].split(">")[0].lstrip("<") if nexts else None
        print("pages:", pages, "all listed once, newest first:", listed == made[::-1])
        status, _, body = c.post(account["orders"] + "?cursor=bm90LWEtY3Vyc29y", None)
        print("forged cursor:", status, problem(body))
    elif cmd == "ip-alpn":
        # args: kid hmac address tlsalpn01_port: tls-alpn-01 for an ip
        # identifier; prints the order's status and the SNI the CA sent.
        kid, hmac_key, address, port = args
        c.new_account(kid, hmac_key)
        status, headers, order = c.new_order([address])
        _, _, authz = c.post(order["authorizations"][0], None)
        chall = next(ch for ch in authz["challenges"] if ch["type"] == "tls-alpn-01")
        seen_sni = []
        close = serve_tls_alpn01(int(port), address, chall["token"] + "." + c.thumbprint(), seen_sni)
        try:
            c.post(chall["url"], {})
            order = wait_order(c, headers["Location"])
        finally:
            close()
        print("ip tls-alpn-01:", order.get("status") if isinstance(order, dict) else order,
              "sni=" + ",".join(sorted(set(seen_sni))))
    elif cmd == "redirect":
        # args: kid hmac name http01_port target: the responder redirects to
        # `target` (which would answer correctly); validation must not follow.
        kid, hmac_key, name, port, target = args
        c.new_account(kid, hmac_key)
        answers = {}
        followed = serve_http01(int(target), answers)
        try:
            _, order = validate(c, [name], int(port), lambda token, ka: ka,
                                redirect_to=f"http://127.0.0.1:{target}")
        finally:
            followed.shutdown()
            followed.server_close()
        print("redirected responder:", order.get("status"), problem(order.get("error", {})))
    elif cmd == "forbidden":
        # args: kid hmac name_resolving_to_a_forbidden_address http01_port
        kid, hmac_key, name, port = args
        c.new_account(kid, hmac_key)
        _, order = validate(c, [name], int(port), lambda token, ka: ka)
        print("forbidden address:", order.get("status"), problem(order.get("error", {})))


if __name__ == "__main__":
    main()
