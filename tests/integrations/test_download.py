"""download_image: the SSRF and size guards, over `responses` and over a real local socket server."""

import time

import pytest
import responses

from integrations.download import DownloadRefused, download_image
from integrations.http import IntegrationTimeout, ServerError
from tests.integrations.conftest import LocalHTTPServer

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
PUBLIC = "http://93.184.215.14"  # an IP literal: resolving it needs no DNS, and it is a public address


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "Refusing to download a file URL: only http and https are allowed"),
        ("ftp://93.184.215.14/x.png", "Refusing to download a ftp URL: only http and https are allowed"),
        ("gopher://93.184.215.14/", "Refusing to download a gopher URL: only http and https are allowed"),
        ("/relative/x.png", "Refusing to download a scheme-less URL: only http and https are allowed"),
        ("http:///x.png", "The image URL has no host; refused"),
        ("http://93.184.215.14:notaport/", "The image URL is malformed; refused"),
    ],
)
def test_refuses_other_schemes_and_malformed_urls(url, message):
    with pytest.raises(DownloadRefused) as caught:
        download_image(url, max_bytes=1000)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),  # cloud metadata: link-local
        ("http://10.0.0.1/x.png", "10.0.0.1"),
        ("http://192.168.1.5/x.png", "192.168.1.5"),
        ("http://127.0.0.1/x.png", "127.0.0.1"),
        ("http://localhost/x.png", "127.0.0.1"),
        ("http://[::1]/x.png", "::1"),
        ("http://[::ffff:127.0.0.1]/x.png", "127.0.0.1"),
        ("http://0.0.0.0/x.png", "0.0.0.0"),  # noqa: S104 - a URL under test, not a bind address
        ("http://224.0.0.1/x.png", "224.0.0.1"),
        ("http://240.0.0.1/x.png", "240.0.0.1"),
    ],
)
@responses.activate
def test_refuses_non_public_addresses(url, address):
    with pytest.raises(DownloadRefused) as caught:
        download_image(url, max_bytes=1000)
    assert "resolves to a non-public address" in str(caught.value)
    assert f"({address})" in str(caught.value)
    assert len(responses.calls) == 0  # refused before any request


@responses.activate
def test_downloads_a_public_image_without_credentials():
    responses.get(f"{PUBLIC}/out/x.png", body=PNG, content_type="image/png")
    assert download_image(f"{PUBLIC}/out/x.png", max_bytes=1000) == PNG
    request = responses.calls[0].request
    assert "Authorization" not in request.headers
    assert request.headers["Accept"] == "image/*"


@responses.activate
def test_redirect_to_loopback_is_refused():
    responses.get(f"{PUBLIC}/x.png", status=302, headers={"Location": "http://127.0.0.1:8000/admin"})
    with pytest.raises(DownloadRefused, match=r"127\.0\.0\.1: it resolves to a non-public address"):
        download_image(f"{PUBLIC}/x.png", max_bytes=1000)
    assert len(responses.calls) == 1


@responses.activate
def test_redirect_to_another_scheme_is_refused():
    responses.get(f"{PUBLIC}/x.png", status=301, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(DownloadRefused, match="file URL"):
        download_image(f"{PUBLIC}/x.png", max_bytes=1000)


@responses.activate
def test_at_most_three_redirects():
    for hop in range(4):
        responses.get(f"{PUBLIC}/{hop}.png", status=302, headers={"Location": f"/{hop + 1}.png"})
    responses.get(f"{PUBLIC}/4.png", body=PNG, content_type="image/png")
    with pytest.raises(DownloadRefused, match="redirected more than 3 times"):
        download_image(f"{PUBLIC}/0.png", max_bytes=1000)
    assert download_image(f"{PUBLIC}/1.png", max_bytes=1000) == PNG  # 3 redirects are fine


@pytest.mark.parametrize("content_type", ["text/html", "application/octet-stream", None])
@responses.activate
def test_wrong_content_type_is_refused(content_type):
    responses.get(f"{PUBLIC}/x.png", body=PNG, content_type=content_type)
    with pytest.raises(DownloadRefused) as caught:
        download_image(f"{PUBLIC}/x.png", max_bytes=1000)
    assert str(caught.value) == (
        f"The file at 93.184.215.14 is not an image (Content-Type {content_type or 'missing'}); refused"
    )


@responses.activate
def test_declared_length_over_the_cap_is_refused_before_reading():
    responses.get(f"{PUBLIC}/x.png", body=PNG, content_type="image/png", headers={"Content-Length": "999999"})
    with pytest.raises(DownloadRefused, match="larger than 1000 bytes; refused"):
        download_image(f"{PUBLIC}/x.png", max_bytes=1000)


@responses.activate
def test_compressed_body_is_refused():
    responses.get(f"{PUBLIC}/x.png", body=PNG, content_type="image/png", headers={"Content-Encoding": "gzip"})
    with pytest.raises(DownloadRefused, match=r"came compressed \(gzip\); refused"):
        download_image(f"{PUBLIC}/x.png", max_bytes=1000)
    assert responses.calls[0].request.headers["Accept-Encoding"] == "identity"


@responses.activate
def test_body_over_the_cap_is_cut_off():
    responses.get(f"{PUBLIC}/x.png", body=b"\0" * 5000, content_type="image/png", auto_calculate_content_length=False)
    with pytest.raises(DownloadRefused, match="larger than 1000 bytes; download stopped"):
        download_image(f"{PUBLIC}/x.png", max_bytes=1000)


@pytest.mark.parametrize(("status", "error"), [(403, DownloadRefused), (404, DownloadRefused), (503, ServerError)])
@responses.activate
def test_error_statuses(status, error):
    responses.get(f"{PUBLIC}/x.png", status=status)
    with pytest.raises(error) as caught:
        download_image(f"{PUBLIC}/x.png", max_bytes=1000)
    assert caught.value.status == status


# --- a real socket server on 127.0.0.1, allowed through allow_hosts by host:port (as the sandbox is) -----------


def serve_png(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "image/png")
    handler.send_header("Content-Length", str(len(PNG)))
    handler.end_headers()
    handler.wfile.write(PNG)


def redirect_to(location):
    def route(handler):
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return route


def test_loopback_needs_allow_hosts_with_its_port(local_http):
    local_http.routes["/x.png"] = serve_png
    for allow_hosts in ([], ["127.0.0.1"], ["localhost"], [f"127.0.0.1:{local_http.port + 1}"]):
        with pytest.raises(DownloadRefused, match="non-public address"):
            download_image(f"{local_http.url}/x.png", max_bytes=1000, allow_hosts=allow_hosts)
    assert local_http.hits == []
    assert download_image(f"{local_http.url}/x.png", max_bytes=1000, allow_hosts=[local_http.netloc]) == PNG


def test_allowing_the_sandbox_port_does_not_open_other_loopback_ports(local_http):
    """The sandbox's host:port is allowed; the web app or Redis on another port of 127.0.0.1 stays refused."""
    local_http.routes["/x.png"] = serve_png
    with LocalHTTPServer() as web_app:
        web_app.routes["/admin/x.png"] = serve_png
        for url in (f"{web_app.url}/admin/x.png", "http://127.0.0.1:6379/x.png", "http://localhost:8000/x.png"):
            with pytest.raises(DownloadRefused, match="non-public address"):
                download_image(url, max_bytes=1000, allow_hosts=[local_http.netloc])
        assert web_app.hits == []
    assert download_image(f"{local_http.url}/x.png", max_bytes=1000, allow_hosts=[local_http.netloc]) == PNG


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://images.internal.test/x.png", True),  # a bare host: the scheme's default port
        ("https://images.internal.test/x.png", True),
        ("http://images.internal.test:80/x.png", True),
        ("https://images.internal.test:443/x.png", True),
        ("http://localhost/x.png", True),
        ("http://localhost:6379/x.png", False),  # any other port is checked like any other host: loopback
        ("http://localhost:443/x.png", False),  # 443 is https's default, not http's
        ("http://[::1]:8765/x.png", True),  # "host:port" entries allow exactly that port
        ("http://[::1]:8766/x.png", False),
    ],
)
@responses.activate
def test_bare_allow_hosts_entries_cover_the_default_ports_only(url, allowed):
    responses.get(url, body=PNG, content_type="image/png")
    allow_hosts = ["Images.Internal.Test", "localhost", "[::1]:8765"]
    if allowed:
        assert download_image(url, max_bytes=1000, allow_hosts=allow_hosts) == PNG
    else:
        with pytest.raises(DownloadRefused, match="non-public address"):
            download_image(url, max_bytes=1000, allow_hosts=allow_hosts)
        assert len(responses.calls) == 0


@pytest.mark.parametrize("entry", ["http://127.0.0.1:8765", "127.0.0.1:port", "user@127.0.0.1", "", "host/path"])
def test_malformed_allow_hosts_entries_are_an_error(entry):
    with pytest.raises(ValueError, match="must be host or host:port"):
        download_image(f"{PUBLIC}/x.png", max_bytes=1000, allow_hosts=[entry])


def test_allowed_host_redirecting_within_itself(local_http):
    local_http.routes["/a"] = redirect_to("/b")
    local_http.routes["/b"] = redirect_to(f"{local_http.url}/x.png")
    local_http.routes["/x.png"] = serve_png
    assert download_image(f"{local_http.url}/a", max_bytes=1000, allow_hosts=[local_http.netloc]) == PNG
    assert local_http.hits == ["/a", "/b", "/x.png"]


@pytest.mark.parametrize(
    "target",
    [
        "http://localhost:{port}/x.png",
        "http://127.0.0.1:6379/x.png",
        "http://169.254.169.254/latest/",
        "http://10.1.2.3/x.png",
    ],
)
def test_redirect_from_an_allowed_host_to_a_non_allowed_private_one(local_http, target):
    """allow_hosts covers the named host:port only: where it redirects is checked again."""
    local_http.routes["/x.png"] = serve_png
    local_http.routes["/go"] = redirect_to(target.format(port=local_http.port))
    with pytest.raises(DownloadRefused, match="non-public address"):
        download_image(f"{local_http.url}/go", max_bytes=1000, allow_hosts=[local_http.netloc])
    assert local_http.hits == ["/go"]


def test_endless_body_stops_at_the_cap(local_http):
    def endless(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "image/png")
        handler.end_headers()
        chunk = b"\0" * 65536
        for _ in range(100_000):  # ~6.5 GB if nobody stops reading; bounded so the thread ends
            handler.wfile.write(chunk)

    local_http.routes["/endless.png"] = endless
    started = time.monotonic()
    with pytest.raises(DownloadRefused, match="larger than 1000000 bytes; download stopped"):
        download_image(f"{local_http.url}/endless.png", max_bytes=1_000_000, allow_hosts=[local_http.netloc])
    assert time.monotonic() - started < 5


def test_slow_drip_body_hits_the_total_timeout(local_http):
    def drip(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "image/png")
        handler.end_headers()
        for _ in range(200):
            handler.wfile.write(b"\0")
            handler.wfile.flush()
            time.sleep(0.02)

    local_http.routes["/drip.png"] = drip
    started = time.monotonic()
    with pytest.raises(IntegrationTimeout, match="took too long"):
        download_image(f"{local_http.url}/drip.png", max_bytes=1_000_000, timeout=0.5, allow_hosts=[local_http.netloc])
    assert time.monotonic() - started < 2


def test_connection_refused_is_a_timeout_error(local_http):
    url = f"{local_http.url}/x.png"
    local_http.server.server_close()  # nobody listens on the port any more
    with pytest.raises(IntegrationTimeout, match="Could not connect to the image host 127.0.0.1"):
        download_image(url, max_bytes=1000, allow_hosts=[local_http.netloc], timeout=2)
