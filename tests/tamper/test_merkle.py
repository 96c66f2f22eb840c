"""RFC 9162 tree math: the test vectors, and proofs checked on random tree sizes."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from glasscredit.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# the leaves and roots of the Certificate Transparency reference test vectors
VECTOR_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                 "606162636465666768696a6b6c6d6e6f"]  # fmt: skip
VECTOR_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def _mth(d: list[bytes]) -> bytes:
    """The RFC's recursive definition, written out, to check the stack version against."""
    if not d:
        return EMPTY_ROOT
    if len(d) == 1:
        return d[0]
    k = 1
    while k * 2 < len(d):
        k *= 2
    return node_hash(_mth(d[:k]), _mth(d[k:]))


def test_reference_vectors() -> None:
    leaves = [leaf_hash(bytes.fromhex(x)) for x in VECTOR_LEAVES]
    assert root([]) == hashlib.sha256(b"").digest()
    for n, want in enumerate(VECTOR_ROOTS, start=1):
        assert root(leaves[:n]).hex() == want


def test_domain_separation() -> None:
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    # a two-leaf tree's root is not the leaf hash of the concatenated children
    assert root([a, b]) != leaf_hash(a + b)
    assert root([a, b]) == hashlib.sha256(b"\x01" + a + b).digest()


@given(st.integers(min_value=1, max_value=300), st.data())
def test_inclusion_proofs_verify_and_bind(n: int, data: st.DataObject) -> None:
    leaves = _leaves(n)
    head = root(leaves)
    assert head == _mth(leaves)
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    proof = inclusion_proof(i, leaves)
    assert verify_inclusion(i, n, leaves[i], proof, head)
    # another leaf, another index or a flipped proof node all fail
    other = leaf_hash(b"forged")
    assert not verify_inclusion(i, n, other, proof, head)
    if n > 1:
        j = data.draw(st.integers(min_value=0, max_value=n - 1).filter(lambda x: x != i))
        assert not verify_inclusion(j, n, leaves[i], proof, head)
        k = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bent = [*proof[:k], bytes(32), *proof[k + 1 :]]
        assert not verify_inclusion(i, n, leaves[i], bent, head)
    assert not verify_inclusion(n, n, leaves[i], proof, head)


@given(st.integers(min_value=1, max_value=300), st.data())
def test_consistency_proofs_verify_and_bind(n: int, data: st.DataObject) -> None:
    leaves = _leaves(n)
    m = data.draw(st.integers(min_value=0, max_value=n))
    old, new = root(leaves[:m]), root(leaves)
    proof = consistency_proof(m, leaves)
    assert verify_consistency(m, n, old, new, proof)
    if 0 < m < n:
        # a rewritten prefix: the old head no longer follows
        rewritten = [leaf_hash(b"rewritten"), *leaves[1:]]
        forged = consistency_proof(m, rewritten)
        assert not verify_consistency(m, n, old, root(rewritten), forged)
        assert not verify_consistency(m, n, old, new, proof[:-1])
        assert not verify_consistency(m, n, leaf_hash(b"x"), new, proof)
        assert not verify_consistency(m, n, old, leaf_hash(b"x"), proof)
    assert not verify_consistency(n + 1, n, new, new, [])
