"""Stacks wallet keys and app private keys, byte-compatible with ``@stacks/wallet-sdk`` 7.4.

From a BIP39 mnemonic (no passphrase in wallet-sdk) and its BIP32 root:

- ``m/888'/0'`` is the identities node; the wallet **salt** is the hex SHA-256 of the UTF-8 of
  the lowercase hex of its compressed public key (the 66-character string, not the bytes);
- account ``i``: identity ("data") key ``m/888'/0'/i'``, apps node ``m/888'/0'/i'/0'`` (kept as
  an ``xprv``), STX key ``m/44'/5757'/0'/0/i`` (66 hex, ``01`` suffix);
- wallet config key ``m/44/5757'/0'/1`` (``44`` is *not* hardened) and legacy ``m/45'``;
- app key for ``app_domain``: ``h = hex(SHA-256(UTF-8(app_domain + salt)))``, then the hardened
  child ``hash_code(h)`` of the apps node. The domain is used exactly as given: any change
  (trailing slash, case, scheme, default port) gives an unrelated key. `app_domain_origin`
  turns a URL into the canonical origin wallets pass today.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from operator import mul

from .addresses import STACKS_MAINNET, STACKS_TESTNET, btc_address, stacks_address
from .bip32 import HARDENED_OFFSET, ExtendedPrivateKey
from .bip39 import mnemonic_to_seed
from .errors import InvalidArgumentError, InvalidKeyError
from .hashes import sha256
from .keys import get_public_key, parse_private_key
from .origins import origin_of

__all__ = [
    "DATA_DERIVATION_PATH",
    "LEGACY_CONFIG_PATH",
    "STX_DERIVATION_PATH",
    "WALLET_CONFIG_PATH",
    "Account",
    "Wallet",
    "app_domain_origin",
    "app_private_key_from_apps_key",
    "hash_code",
    "legacy_app_private_key_11_level",
]

DATA_DERIVATION_PATH = "m/888'/0'"
STX_DERIVATION_PATH = "m/44'/5757'/0'/0"
WALLET_CONFIG_PATH = "m/44/5757'/0'/1"
LEGACY_CONFIG_PATH = "m/45'"


# --- app keys -----------------------------------------------------------------------------

_POWERS = [pow(31, k, 2**32) for k in range(65)]
_POWERS_DESC = _POWERS[63::-1]


def hash_code(text: str) -> int:
    """Java's ``String.hashCode`` with the sign bit cleared, as ``@stacks/encryption`` computes.

    Runs over UTF-16 code units (a character outside the BMP counts as two), modulo 2**32,
    then ``& 0x7FFFFFFF`` (not the absolute value). ``""`` gives 0. Raises
    `InvalidArgumentError` for a non-string.
    """
    if not isinstance(text, str):
        raise InvalidArgumentError(f"text must be a string, got {type(text).__name__}")
    if text.isascii():
        units: bytes | list[int] = text.encode("ascii")
    else:
        raw = text.encode("utf-16-be", "surrogatepass")
        units = [(raw[i] << 8) | raw[i + 1] for i in range(0, len(raw), 2)]
    # Horner's rule 64 units at a time: sum(u[i] * 31**(k-1-i)) with precomputed powers.
    acc = 0
    for start in range(0, len(units), 64):
        chunk = units[start : start + 64]
        weighted = sum(map(mul, chunk, _POWERS_DESC[64 - len(chunk) :]))
        acc = (acc * _POWERS[len(chunk)] + weighted) & 0xFFFFFFFF
    return acc & 0x7FFFFFFF


def _js_utf8(text: str) -> bytes:
    """UTF-8 as JS ``TextEncoder`` writes it: a lone surrogate becomes U+FFFD."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # A Python str may hold surrogates; JS strings are UTF-16, so a high+low pair is one
        # character there. Round-trip through UTF-16 to pair them and replace the rest.
        paired = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        return paired.encode("utf-8")


def _domain_hash(app_domain: str, salt: str) -> str:
    if not isinstance(app_domain, str):
        raise InvalidArgumentError(f"app_domain must be a string, got {type(app_domain).__name__}")
    if not isinstance(salt, str):
        raise InvalidArgumentError(f"salt must be a string, got {type(salt).__name__}")
    return sha256(_js_utf8(app_domain + salt)).hex()


def _app_private_key(apps_node: ExtendedPrivateKey, salt: str, app_domain: str) -> str:
    index = hash_code(_domain_hash(app_domain, salt))
    return apps_node.child_private_key(index + HARDENED_OFFSET).hex()


def app_private_key_from_apps_key(apps_key: str, salt: str, app_domain: str) -> str:
    """The app private key (64 hex) from an account's apps node ``xprv`` and the wallet salt.

    Same algorithm as `Account.app_private_key` and wallet-sdk ``getAppPrivateKey`` (also
    blockstack.js ``getLegacyAppPrivateKey`` and ``@stacks/keychain``), for callers that store
    only those two values. ``app_domain`` and ``salt`` are used verbatim. Raises
    `InvalidKeyError` for a malformed ``apps_key`` and `InvalidArgumentError` for non-string
    ``salt`` or ``app_domain``.
    """
    return _app_private_key(ExtendedPrivateKey.from_xprv(apps_key), salt, app_domain)


def legacy_app_private_key_11_level(apps_key: str, salt: str, app_domain: str) -> str:
    """The blockstack.js v18–v21 ``BlockstackWallet.getAppPrivateKey`` ("new", 11-level) key.

    Not what any current wallet derives (that is `app_private_key_from_apps_key`); only
    intermediate Blockstack Browser builds used it. ``h`` as for the current key, then the
    hardened children ``int(h[6i:6i+6], 16)`` for i = 0..10 (the last chunk has 4 digits) in
    sequence. Raises like `app_private_key_from_apps_key`.
    """
    node = ExtendedPrivateKey.from_xprv(apps_key)
    digest = _domain_hash(app_domain, salt)
    path = [int(digest[6 * i : 6 * i + 6], 16) + HARDENED_OFFSET for i in range(11)]
    return node.descendant_private_key(path).hex()


# --- origins ------------------------------------------------------------------------------


def app_domain_origin(url: str) -> str:
    """The WHATWG origin (``scheme://host[:port]``) of an http(s) URL, for use as app domain.

    Parsed by the WHATWG URL parser (ada, as in Node.js; `authtokens.origins`): surrounding
    spaces and control characters and inner tabs/newlines are dropped, ``\\`` counts as ``/``,
    userinfo is dropped, the host is percent-decoded, lowercased and IDNA-encoded (UTS #46,
    non-transitional: ``https://🦊.example`` → ``https://xn--9s9h.example``), numeric hosts
    are parsed as IPv4 (``127.1`` → ``127.0.0.1``), IPv6 is compressed, the default port
    (80/443) is dropped, and no trailing slash is kept. The few refusals of URLs browsers
    accept are listed in `authtokens.origins`.

    Raises `InvalidArgumentError` for a non-string, a scheme other than http or https, a
    missing or malformed host, or a malformed port.
    """
    return str(origin_of(url))


# --- accounts and wallets -----------------------------------------------------------------


def _check_account_index(index: object) -> int:
    if isinstance(index, bool) or not isinstance(index, int):
        raise InvalidArgumentError(f"account index must be an int, got {type(index).__name__}")
    if not 0 <= index < HARDENED_OFFSET:
        raise InvalidArgumentError("account index must be in 0 .. 2**31 - 1")
    return index


@dataclass(frozen=True)
class Account:
    """One wallet account, with the fields of a wallet-sdk ``Account``.

    ``data_private_key`` is the identity key (64 hex) that signs auth responses;
    ``apps_key`` the ``xprv`` of the apps node; ``salt`` the wallet salt (64 hex);
    ``stx_private_key`` the STX key in wallet-sdk's 66-hex ``…01`` form. The constructor
    validates and normalises them (lowercase; a 66-hex ``…01`` data key becomes 64) and raises
    `InvalidKeyError` or `InvalidArgumentError`. Secrets are left out of ``repr``.
    """

    index: int
    data_private_key: str = field(repr=False)
    apps_key: str = field(repr=False)
    salt: str = field(repr=False)
    stx_private_key: str = field(repr=False)
    _apps_node: ExtendedPrivateKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_account_index(self.index)
        data_key = parse_private_key(self.data_private_key).hex()
        if not isinstance(self.salt, str):
            raise InvalidArgumentError(f"salt must be a string, got {type(self.salt).__name__}")
        stx_key = self.stx_private_key
        if not isinstance(stx_key, str) or len(stx_key) != 66 or stx_key[64:] != "01":
            raise InvalidKeyError(
                "stx_private_key must be 66 hex characters ending in 01 (wallet-sdk's form)"
            )
        stx_key = parse_private_key(stx_key).hex() + "01"
        object.__setattr__(self, "data_private_key", data_key)
        object.__setattr__(self, "stx_private_key", stx_key)
        object.__setattr__(self, "_apps_node", ExtendedPrivateKey.from_xprv(self.apps_key))

    def app_private_key(self, app_domain: str) -> str:
        """The private key (64 hex) for ``app_domain``, as wallet-sdk ``getAppPrivateKey``.

        ``app_domain`` is hashed exactly as given (wallets pass the requesting page's origin;
        see `app_domain_origin`). Raises `InvalidArgumentError` for a non-string.
        """
        return _app_private_key(self._apps_node, self.salt, app_domain)

    @cached_property
    def identity_public_key(self) -> str:
        """The compressed public key (66 hex) of the identity (data) key."""
        return get_public_key(self.data_private_key)

    @property
    def identity_address(self) -> str:
        """The base58 P2PKH address of the identity key: the ``iss`` of its auth responses."""
        return btc_address(self.identity_public_key)

    @cached_property
    def stx_public_key(self) -> str:
        """The compressed public key (66 hex) of the STX key."""
        return get_public_key(self.stx_private_key)

    def stx_address(self, *, testnet: bool = False) -> str:
        """The account's STX address: ``SP…`` (mainnet) or, with ``testnet=True``, ``ST…``."""
        return stacks_address(self.stx_public_key, STACKS_TESTNET if testnet else STACKS_MAINNET)

    @property
    def stx_mainnet_address(self) -> str:
        """The account's mainnet STX address (``SP…``)."""
        return self.stx_address()

    @property
    def stx_testnet_address(self) -> str:
        """The account's testnet STX address (``ST…``)."""
        return self.stx_address(testnet=True)


class Wallet:
    """A Stacks wallet: the BIP32 root of a mnemonic and the keys wallet-sdk derives from it.

    Build one with `from_mnemonic`, `from_seed` or `from_root_key`. The root key is not in
    ``repr``.
    """

    __slots__ = ("_identities", "_stx_chain", "root", "salt")

    root: ExtendedPrivateKey
    salt: str
    _identities: ExtendedPrivateKey
    _stx_chain: ExtendedPrivateKey | None

    def __init__(self, root: ExtendedPrivateKey) -> None:
        """Wrap a BIP32 master key; raises `InvalidArgumentError` for anything else."""
        if not isinstance(root, ExtendedPrivateKey) or root.depth != 0:
            raise InvalidArgumentError("a wallet needs a depth-0 BIP32 ExtendedPrivateKey")
        self.root = root
        self._identities = root.derive_path(DATA_DERIVATION_PATH)
        self.salt = sha256(self._identities.public_key_hex.encode("ascii")).hex()
        self._stx_chain = None

    def __repr__(self) -> str:
        return "Wallet(<secret>)"

    @classmethod
    def from_mnemonic(cls, mnemonic: str, passphrase: str = "") -> Wallet:
        """The wallet of a BIP39 English mnemonic (wallet-sdk uses no passphrase).

        The mnemonic is validated (word list, word count, checksum) and raises
        `InvalidMnemonicError` otherwise; see `authtokens.bip39.validate_mnemonic` for the
        accepted spellings.
        """
        return cls(ExtendedPrivateKey.from_seed(mnemonic_to_seed(mnemonic, passphrase)))

    @classmethod
    def from_seed(cls, seed: bytes) -> Wallet:
        """The wallet of a BIP32 seed (16 to 64 bytes); raises as `ExtendedPrivateKey.from_seed`."""
        return cls(ExtendedPrivateKey.from_seed(seed))

    @classmethod
    def from_root_key(cls, root_xprv: str) -> Wallet:
        """The wallet of a root ``xprv`` (wallet-sdk's ``wallet.rootKey``).

        Raises `InvalidKeyError` for a malformed key and `InvalidArgumentError` if it is not a
        depth-0 (master) key.
        """
        return cls(ExtendedPrivateKey.from_xprv(root_xprv))

    @property
    def root_xprv(self) -> str:
        """The root key as an ``xprv`` (wallet-sdk's ``wallet.rootKey``)."""
        return self.root.to_xprv()

    @property
    def config_private_key(self) -> str:
        """The wallet config key ``m/44/5757'/0'/1`` (64 hex; ``44`` is not hardened)."""
        return self.root.derive_path(WALLET_CONFIG_PATH).private_key_hex

    @property
    def legacy_config_private_key(self) -> str:
        """The legacy wallet config key ``m/45'`` (64 hex)."""
        return self.root.derive_path(LEGACY_CONFIG_PATH).private_key_hex

    def account(self, index: int) -> Account:
        """Account ``index`` (0-based), as wallet-sdk ``deriveAccount`` with the Wallet type.

        Raises `InvalidArgumentError` for an index outside 0 .. 2**31 - 1.
        """
        index = _check_account_index(index)
        identity = self._identities.derive(index + HARDENED_OFFSET)
        apps = identity.derive(HARDENED_OFFSET)
        stx_chain = self._stx_chain
        if stx_chain is None:
            stx_chain = self.root.derive_path(STX_DERIVATION_PATH)
            self._stx_chain = stx_chain
        stx_key = stx_chain.child_private_key(index)
        return Account(
            index=index,
            data_private_key=identity.private_key_hex,
            apps_key=apps.to_xprv(),
            salt=self.salt,
            stx_private_key=stx_key.hex() + "01",
        )
