"""The address check behind every fetch, on literal addresses and a substituted resolver:
no request is sent anywhere but loopback."""

import pytest

from index.netguard import Refused, target, why_private


@pytest.mark.parametrize("address, kind", [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.9", "private"), ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("fe80::1%eth0", "link-local"),
    ("fd00::5", "private"), ("100.64.0.1", "reserved"), ("0.0.0.0", "unspecified"),
    ("::", "unspecified"), ("224.0.0.251", "multicast"), ("ff02::1", "multicast"),
    ("240.0.0.1", "private"), ("255.255.255.255", "private"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:169.254.169.254", "link-local"),
    ("::ffff:10.0.0.1", "private"), ("2002:7f00:1::", "loopback"),
])
def test_non_public_addresses_are_named(address, kind):
    assert why_private(address) == kind


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111",
                                     "::ffff:93.184.216.34"])
def test_public_addresses_pass(address):
    assert why_private(address) is None


def resolver(table):
    def resolve(host, port):
        return table[host]
    return resolve


def test_a_host_is_judged_on_every_address_it_resolves_to():
    table = {"news.example": ["93.184.216.34"], "metadata.example": ["169.254.169.254"],
             "mixed.example": ["93.184.216.34", "10.0.0.7"]}
    hop = target("https://news.example/a?b=1", resolver=resolver(table))
    assert (hop.address, hop.port, hop.connect_url()) == (
        "93.184.216.34", 443, "https://93.184.216.34:443/a?b=1")
    with pytest.raises(Refused, match=r"metadata.example resolves to a link-local address "
                       r"\(169.254.169.254\); pass --allow-private"):
        target("http://metadata.example/latest/meta-data/", resolver=resolver(table))
    with pytest.raises(Refused, match=r"private address \(10.0.0.7\)"):
        target("http://mixed.example/", resolver=resolver(table))
    allowed = target("http://mixed.example/", resolver=resolver(table), allow_private=True)
    assert allowed.address == "93.184.216.34"


def test_literal_addresses_are_never_resolved():
    def no_lookup(host, port):
        raise AssertionError(f"looked up {host}")

    with pytest.raises(Refused, match=r"^::1 is a loopback address \(::1\); pass"):
        target("http://[::1]:8080/", resolver=no_lookup)
    with pytest.raises(Refused, match="link-local"):
        target("http://169.254.169.254/", resolver=no_lookup)
    hop = target("http://[2606:4700:4700::1111]/x", resolver=no_lookup)
    assert hop.connect_url() == "http://[2606:4700:4700::1111]:80/x"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://x/", "ftp://example.com/a",
                                 "http:///nohost", "javascript:alert(1)"])
def test_only_http_and_https(url):
    with pytest.raises(Refused, match="not an http"):
        target(url, resolver=resolver({}))
