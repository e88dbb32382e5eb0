"""HTTP Basic and Digest authentication (urllib handlers) for engines that ask for credentials."""
import base64
import urllib.request


class ClosesChallenge:
    """Closes the 401 answer that authentication retries after (urllib leaves it open)."""

    def http_error_401(self, req, fp, code, msg, headers):
        try:
            return super().http_error_401(req, fp, code, msg, headers)
        finally:
            fp.close()


class DigestAuth(ClosesChallenge, urllib.request.HTTPDigestAuthHandler):
    """Digest authentication that, once challenged, answers the challenge in advance on every later request.
    Otherwise each request goes out unauthenticated first, and an engine that answers 401 before it has read a large
    body (Virtuoso does) breaks the connection while the body is still being sent."""

    challenge: dict | None = None

    def retry_http_digest_auth(self, req, auth):
        self.challenge = urllib.request.parse_keqv_list(filter(None, urllib.request.parse_http_list(
            auth.split(" ", 1)[1])))
        return super().retry_http_digest_auth(req, auth)

    def http_request(self, req):
        if self.challenge and not req.has_header("Authorization"):
            answer = self.get_authorization(req, self.challenge)
            if answer:
                req.add_unredirected_header("Authorization", f"Digest {answer}")
        return req


class BasicAuth(ClosesChallenge, urllib.request.HTTPBasicAuthHandler):
    """Basic authentication that, once challenged, sends the credentials in advance on every later request (for
    the same reason as DigestAuth)."""

    challenged = False

    def retry_http_basic_auth(self, host, req, realm):
        self.challenged = True
        return super().retry_http_basic_auth(host, req, realm)

    def http_request(self, req):
        user, password = self.passwd.find_user_password(None, req.full_url)
        if self.challenged and user is not None and not req.has_header("Authorization"):
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            req.add_unredirected_header("Authorization", f"Basic {token}")
        return req
