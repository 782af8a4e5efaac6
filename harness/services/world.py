"""What the fake resolver says exists, and where it says it is: a believable internet.

Malware tests the resolver before it trusts the network. A sandbox that answers every
name, from a reserved range, fails two easy checks: a random name that cannot exist
resolves, and the addresses are benchmark (198.18.0.0/15) or documentation ranges. So:

**Addresses** are hashed from the name into prefixes that real hosting and CDN providers
announce (the kind of address an API host resolves to), IPv4 and IPv6, one address per name
for the whole run (the caller probes on collision, see :class:`~harness.services.dns.NameTable`). They
are never reached: the gateway redirects every packet to the fakes whatever its address.

**NXDOMAIN** is answered where a real resolver would most likely answer it and a probe
would most likely ask: when the registrable domain (``example.co.uk`` of
``a.b.example.co.uk``) looks machine-generated (a number inside the letters, long hex, long
consonant runs, too few vowels, letter pairs English hardly uses; see :func:`looks_generated`:
it refuses about 9 in 10 random 12-letter names, nearly every random hex or base-36 name,
and none of a list of a hundred real sites), or when the name has a single label. Names
people choose (``paste.devbin.example``, ``api.backup-cloud.io``) resolve, so exfiltration
to a real-looking attacker domain still connects and is read.

**Both must hold**, and they do because the two checks look at different labels: a DNS
tunnel puts its data in the labels *left* of a domain the attacker registered, and that
domain reads like a name, so the tunnel's queries get answers (services such as request
catchers and tunnels with random sub-domains keep working too); a random-name probe
invents the registrable domain itself, and gets NXDOMAIN. Whatever the answer, every
query is recorded first, so a tunnel is caught from its questions alone and a probe is
evidence. What this cannot do: tell a generated-looking domain that really exists
(``x7k2q.com``) from one that does not; top-level domains are not judged (``.example``
and unknown ones resolve).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re

PROVIDER_PREFIXES = tuple(
    ipaddress.IPv4Network(p)
    for p in (
        "104.16.0.0/13",  # CDN
        "172.64.0.0/13",  # CDN
        "151.101.0.0/16",  # CDN
        "13.32.0.0/15",  # CDN edge
        "52.0.0.0/11",  # cloud
        "54.144.0.0/12",  # cloud
        "34.64.0.0/11",  # cloud
        "35.184.0.0/13",  # cloud
        "20.36.0.0/14",  # cloud
        "40.112.0.0/13",  # cloud
        "185.199.108.0/22",  # static hosting
        "140.82.112.0/20",  # code hosting
    )
)
"""Public prefixes of large hosting and CDN providers: where API hosts really live."""
_TOTAL = sum(p.num_addresses for p in PROVIDER_PREFIXES)

PROVIDER_PREFIXES6 = tuple(
    ipaddress.IPv6Network(p)
    for p in (
        "2606:4700::/32",  # CDN
        "2a04:4e42::/32",  # CDN
        "2600:9000::/28",  # CDN edge
        "2600:1f00::/24",  # cloud
        "2600:1900::/28",  # cloud
        "2603:1000::/25",  # cloud
        "2606:50c0::/32",  # static hosting
    )
)
"""The same kind of providers' IPv6 prefixes, for AAAA answers."""

_SHORT_SLD = 3
_VOWELS = set("aeiouy")
_CONSONANT_RUN = re.compile(r"[bcdfghjklmnpqrstvwxz]{6,}")
_NUMBER_INSIDE = re.compile(r"[a-z][0-9]+[a-z]")
_HEXISH = re.compile(r"[0-9a-f]{8,}")
_RARE_BIGRAMS = frozenset(
    "aa ah aj ao aq az bb bf bg bh bk bn bq bv bw bx bz cb cg cj cq cv cw cx cz dg dh dj dk dq dv dw "
    "dx dz ej ez fb fg fh fj fk fm fn fp fq fv fw fx fz gb gc gd gf gj gk gp gq gw gx gy gz hb hc hd "
    "hf hg hh hj hk hp hq hv hw hx hz ih ij iq iu iw iy ja jb jc jd jf jg jh ji jj jk jl jm jn jp jq "
    "jr js jt jv jw jx jy jz kb kc kd kf kh kj kk km ko kp kq kr kt kv kx ky kz lg lh lj lk lq lx lz "
    "mc mg mh mj mk mn mq mv mx my mz nb nj nq nx nz oh oj oq oy oz pb pg pj pk pm pn pq px pz qa qb "
    "qc qd qe qf qg qh qi qj qk ql qm qn qo qp qq qr qs qt qv qw qx qy qz rh rj rq rx rz sb sj sx sz "
    "tg tj tk tq uh uj uk uq uu uv uw ux uy uz vb vc vd vf vg vh vj vk vl vm vn vp vq vr vs vt vu vv "
    "vw vx vy vz wb wc wf wg wj wk wm wp wq wt wu wv ww wx wy wz xg xh xj xk xn xo xq xr xu xv xw xz "
    "ya yb yd yf yg yh yj yk yq yu yv yx yy yz zb zc zd zf zg zh zj zk zl zm zn zp zq zr zs zt zu zv "
    "zw zx zy zz".split()
)
"""Letter pairs that (almost) never occur in English words but fill random strings."""


def public_address(name: str, attempt: int = 0) -> str:
    """A stable hash of ``name`` (and a probe number) into :data:`PROVIDER_PREFIXES`, never a
    network or broadcast address of a /24."""
    seed = f"{attempt}:{name}" if attempt else name
    value = int.from_bytes(hashlib.sha256(seed.encode("utf-8", "surrogateescape")).digest()[:8], "big")
    offset = value % _TOTAL
    for prefix in PROVIDER_PREFIXES:
        if offset < prefix.num_addresses:
            address = prefix.network_address + offset
            last = int(address) & 0xFF
            return str(address + (1 if last == 0 else -1 if last == 255 else 0))
        offset -= prefix.num_addresses
    raise AssertionError("unreachable: offset is below the total")


def public_address6(name: str) -> str:
    """A stable hash of ``name`` into one of :data:`PROVIDER_PREFIXES6` (a host part of 64 hashed
    bits under a hashed /64: wide enough that no two names of a run share one, never ``::``)."""
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).digest()
    prefix = PROVIDER_PREFIXES6[digest[0] % len(PROVIDER_PREFIXES6)]
    subnet = int.from_bytes(digest[1:9], "big") % (1 << (64 - prefix.prefixlen))
    host = int.from_bytes(digest[9:17], "big") or 1
    return str(prefix.network_address + (subnet << 64) + host)


def registrable(name: str) -> str:
    """The domain someone registered: the last two labels, three under a short second level."""
    labels = name.lower().rstrip(".").split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-2]) <= _SHORT_SLD else 2
    return ".".join(labels[-keep:])


def looks_generated(label: str) -> bool:
    """Whether a domain label reads as machine-made rather than chosen by a person."""
    label = label.lower()
    letters = [c for c in label if c.isalpha()]
    digits = sum(c.isdigit() for c in label)
    if digits >= 2 and len(letters) >= 2 and _NUMBER_INSIDE.search(label):
        return True  # a number inside the letters, not a suffix like "top100"
    if _HEXISH.fullmatch(label) and digits:
        return True
    if any(_CONSONANT_RUN.search(part) for part in label.split("-")):
        return True
    if len(letters) >= 8 and sum(c in _VOWELS for c in letters) / len(letters) < 0.1:
        return True
    pairs = [
        a + b
        for part in label.split("-")
        for a, b in zip(part, part[1:], strict=False)
        if a.isalpha() and b.isalpha()
    ]
    rare = sum(pair in _RARE_BIGRAMS for pair in pairs)
    return len(letters) >= 6 and rare >= 3 and rare / len(pairs) >= 0.25


def exists(name: str) -> bool:
    """Whether a real resolver would likely find ``name`` (see the module docstring)."""
    name = name.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    labels = name.split(".")
    if len(labels) < 2 or not all(labels):
        return False
    main = registrable(name).split(".")[0]
    return not looks_generated(main)
