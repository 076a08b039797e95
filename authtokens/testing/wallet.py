"""`TestWallet`: a scriptable Stacks wallet for tests, answering as real wallets answer.

It holds a BIP39 mnemonic and derives accounts exactly as @stacks/wallet-sdk does (through
`authtokens.wallet.Wallet`). It answers the two ways dapps talk to wallets:

- the legacy web flow: `TestWallet.answer_auth_request` verifies an authRequest, derives the
  app key for the request's origin, makes the authResponse encrypted to the request's transit
  key, and returns it with the redirect URL (what wallet-sdk's ``makeAuthResponse`` and the
  extension's redirect do);
- SIP-030 JSON-RPC (`@stacks/connect` 8): `TestWallet.request` answers ``getAddresses``,
  ``stx_getAddresses``, ``stx_signMessage`` and ``stx_signStructuredMessage`` with the
  ``result`` objects Leather returns.

For negative tests it can misbehave in named ways (`Misbehaviour`), set on the wallet for every
call it applies to, or per call. Nothing here reads the network; the wall clock is read only
when ``now`` is not given.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from .. import jwt
from ..auth_request import AuthRequest, verify_auth_request
from ..auth_response import DEFAULT_HUB_URL, make_auth_response_for_request
from ..bip39 import generate_mnemonic, validate_mnemonic
from ..claims import Timestamp, resolve_now
from ..clarity import Cl, ClarityValue, StringAsciiCV, TupleCV, deserialize
from ..encoding import b64url_encode
from ..errors import InvalidArgumentError, MalformedClarityValueError, UnsupportedMethodError
from ..hashes import sha256
from ..jsjson import dumps
from ..keys import generate_transit_key, get_public_key
from ..stacks_messages import check_domain, sign_message, sign_structured_data

# transport.py becomes urls.py in the layout work; only these two helpers are used.
from ..urls import auth_request_from_url, redirect_with_auth_response
from ..wallet import Account, Wallet

__all__ = [
    "TEST_MNEMONIC",
    "AuthAnswer",
    "Misbehaviour",
    "TestWallet",
]

#: The well-known mnemonic of Clarinet devnet's ``deployer`` account (account 0 is
#: ``ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM`` on testnet). Public: never hold real funds
#: with it.
TEST_MNEMONIC = (
    "twice kind fence tip hidden tilt action fragile skin nothing glory cousin green "
    "tomorrow spring wrist shed math olympic multiply hip blue scout claw"
)

_TESTNET_NETWORKS = frozenset({"testnet", "devnet", "mocknet", "regtest", "signet"})
_NETWORKS = _TESTNET_NETWORKS | {"mainnet"}
_DAY = 24 * 3600.0


class Misbehaviour(enum.Enum):
    """Ways a `TestWallet` can be told to misbehave, for negative tests.

    Each applies to some operations only; asking for one per call where it does not apply
    raises `InvalidArgumentError` (set on the wallet, it is ignored where it does not apply):

    ``WRONG_KEY``
        authResponse and message signatures are made with a key that is not the account's,
        while the token and the answer still name the account's key (the app sees a bad
        signature or an address mismatch).
    ``TAMPERED``
        authResponse: a claim (the profile's STX address) is changed after signing;
        messages: the signature covers a slightly different text or value.
    ``EXPIRED``
        authResponse: issued two days ago, expired one day ago; a SIWS message built by
        `sign_in_with_stacks`: its ``Expiration Time`` has passed.
    ``WRONG_DOMAIN``
        authResponse: the app key is derived for another domain (a wallet with a
        domain-normalisation bug; the app cannot tell, but receives a different key);
        SIP-018: signed under another domain tuple name; a SIWS message: names another domain.
    ``WRONG_TRANSIT_KEY``
        authResponse: the app key is encrypted to a key that is not the request's (the app
        cannot decrypt it).
    ``WRONG_NONCE``
        a SIWS message built by `sign_in_with_stacks` carries a nonce the app never issued.
    """

    WRONG_KEY = "wrong_key"
    TAMPERED = "tampered"
    EXPIRED = "expired"
    WRONG_DOMAIN = "wrong_domain"
    WRONG_TRANSIT_KEY = "wrong_transit_key"
    WRONG_NONCE = "wrong_nonce"


_AUTH_RESPONSE_FAULTS = frozenset(
    {
        Misbehaviour.WRONG_KEY,
        Misbehaviour.TAMPERED,
        Misbehaviour.EXPIRED,
        Misbehaviour.WRONG_DOMAIN,
        Misbehaviour.WRONG_TRANSIT_KEY,
    }
)
_MESSAGE_FAULTS = frozenset({Misbehaviour.WRONG_KEY, Misbehaviour.TAMPERED})
_STRUCTURED_FAULTS = _MESSAGE_FAULTS | {Misbehaviour.WRONG_DOMAIN}
WRONG_DOMAIN = "https://wrong-domain.example"


@dataclass(frozen=True, slots=True)
class AuthAnswer:
    """What `TestWallet.answer_auth_request` gives back.

    ``token`` is the authResponse, ``redirect_url`` the request's ``redirect_uri`` carrying it
    (where a wallet sends the browser), ``request`` the verified request, ``account`` the
    account index that answered and ``app_private_key`` the app key put in the response.
    """

    token: str
    redirect_url: str
    request: AuthRequest
    account: int
    app_private_key: str = dataclasses.field(repr=False)
    misbehaviour: Misbehaviour | None = None


def _check_fault(value: object) -> Misbehaviour | None:
    if value is None or isinstance(value, Misbehaviour):
        return value
    raise InvalidArgumentError(f"misbehave must be a Misbehaviour or None, got {value!r}")


def _other_private_key(private_key: str) -> str:
    """A valid private key (64 hex) that is not ``private_key``, the same on every run."""
    return sha256(b"authtokens.testing: not this account's key" + bytes.fromhex(private_key)).hex()


class TestWallet:
    """A scriptable wallet: `from_mnemonic` (or ``TestWallet(phrase)``), or ``TestWallet()``.

    With no mnemonic a fresh 24-word one is generated from the OS CSPRNG and kept in
    ``.mnemonic``. ``network`` (``"mainnet"`` or ``"testnet"``; ``"devnet"``/``"mocknet"``
    count as testnet) picks the STX addresses returned when a request names none.
    ``misbehave`` makes every operation it applies to misbehave (see `Misbehaviour`).
    Raises `InvalidMnemonicError` for an invalid phrase, `InvalidArgumentError` otherwise.
    """

    __test__: ClassVar[bool] = False  # not a pytest test class, despite the name

    def __init__(
        self,
        mnemonic: str | None = None,
        *,
        network: str = "mainnet",
        misbehave: Misbehaviour | None = None,
    ) -> None:
        phrase = generate_mnemonic() if mnemonic is None else validate_mnemonic(mnemonic)
        if network not in _NETWORKS:
            raise InvalidArgumentError(f"network must be one of {sorted(_NETWORKS)}")
        self.mnemonic: str = phrase
        self.network: str = network
        self.misbehave: Misbehaviour | None = _check_fault(misbehave)
        self.wallet: Wallet = Wallet.from_mnemonic(phrase)
        self._accounts: dict[int, Account] = {}

    @classmethod
    def from_mnemonic(
        cls,
        phrase: str,
        *,
        network: str = "mainnet",
        misbehave: Misbehaviour | None = None,
    ) -> TestWallet:
        """The wallet of a BIP39 English mnemonic (validated: word list and checksum)."""
        return cls(phrase, network=network, misbehave=misbehave)

    def __repr__(self) -> str:
        fault = "" if self.misbehave is None else f", misbehave={self.misbehave}"
        return f"TestWallet(<mnemonic>, network={self.network!r}{fault})"

    def account(self, index: int = 0) -> Account:
        """Account ``index`` as wallet-sdk derives it (identity, apps node, STX key)."""
        found = self._accounts.get(index) if isinstance(index, int) else None
        if found is None:
            found = self.wallet.account(index)
            self._accounts[index] = found
        return found

    def stx_address(self, account: int = 0, *, network: str | None = None) -> str:
        """The STX address of ``account`` on ``network`` (default: the wallet's network)."""
        chosen = self.network if network is None else network
        if chosen not in _NETWORKS:
            raise InvalidArgumentError(f"network must be one of {sorted(_NETWORKS)}")
        return self.account(account).stx_address(testnet=chosen in _TESTNET_NETWORKS)

    def _fault(
        self, per_call: Misbehaviour | None, applies: frozenset[Misbehaviour]
    ) -> Misbehaviour | None:
        per_call = _check_fault(per_call)
        if per_call is not None:
            if per_call not in applies:
                raise InvalidArgumentError(f"{per_call} does not apply to this operation")
            return per_call
        return self.misbehave if self.misbehave in applies else None

    # --- the legacy web flow ------------------------------------------------------------

    def answer_auth_request(
        self,
        token: str,
        account: int = 0,
        *,
        misbehave: Misbehaviour | None = None,
        profile: Mapping[str, Any] | None = None,
        hub_url: str = DEFAULT_HUB_URL,
        now: Timestamp | None = None,
    ) -> AuthAnswer:
        """Answer an authRequest as wallet-sdk does; return the response and redirect URL.

        ``token`` is the authRequest or a URL carrying it (``?authRequest=…``). It is verified
        first (`verify_auth_request`, which raises the `InvalidTokenError` subclass of the
        failed check, as a wallet refuses); then the app key is derived for the request's
        origin, the authResponse made with the account's identity key and the app key
        encrypted to the request's transit key.
        """
        fault = self._fault(misbehave, _AUTH_RESPONSE_FAULTS)
        if isinstance(token, str) and "authRequest=" in token:
            token = auth_request_from_url(token)
        request = verify_auth_request(token, now=now)
        chosen = self.account(account)
        issued = resolve_now(now)
        expires_at: float | None = None
        app_domain = request.origin
        answered = request
        if fault is Misbehaviour.EXPIRED:
            issued, expires_at = issued - 2 * _DAY, issued - _DAY
        elif fault is Misbehaviour.WRONG_DOMAIN:
            app_domain = WRONG_DOMAIN
        elif fault is Misbehaviour.WRONG_TRANSIT_KEY:
            wrong = get_public_key(generate_transit_key())
            answered = dataclasses.replace(request, public_key=wrong)
        response = make_auth_response_for_request(
            answered,
            chosen,
            profile=profile,
            hub_url=hub_url,
            app_domain=app_domain,
            now=issued,
            expires_at=expires_at,
        )
        if fault is Misbehaviour.WRONG_KEY:
            payload = jwt.decode(response).payload
            response = jwt.sign(payload, _other_private_key(chosen.data_private_key))
        elif fault is Misbehaviour.TAMPERED:
            response = _tampered(response, self.stx_address(0 if account else 1))
        return AuthAnswer(
            token=response,
            redirect_url=redirect_with_auth_response(request.redirect_uri, response),
            request=request,
            account=chosen.index,
            app_private_key=chosen.app_private_key(app_domain),
            misbehaviour=fault,
        )

    # --- SIP-030 ------------------------------------------------------------------------

    def request(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        account: int = 0,
        *,
        misbehave: Misbehaviour | None = None,
    ) -> dict[str, Any]:
        """Answer a SIP-030 request with the ``result`` object a wallet returns.

        ``getAddresses`` / ``stx_getAddresses`` (params ``{"network"?}``) give
        ``{"addresses": [{"symbol": "STX", "address", "publicKey"}]}``; ``stx_signMessage``
        (``{"message"}``) and ``stx_signStructuredMessage`` (``{"domain", "message"}``, Clarity
        values as hex, as `@stacks/connect` 8 sends them) give ``{"signature", "publicKey"}``
        with a 130-hex RSV signature by the account's STX key. Only the STX entry is given
        (Leather adds Bitcoin ones; this wallet has no Bitcoin keys). Raises
        `UnsupportedMethodError` for other methods and `InvalidArgumentError` for bad params.
        """
        if params is None:
            params = {}
        if not isinstance(params, Mapping):
            raise InvalidArgumentError("params must be a JSON object")
        handler = _METHODS.get(method) if isinstance(method, str) else None
        if handler is None:
            raise UnsupportedMethodError(f"the test wallet does not implement {method!r}")
        return handler(self, dict(params), account, misbehave)

    def _get_addresses(
        self, params: dict[str, Any], account: int, misbehave: Misbehaviour | None
    ) -> dict[str, Any]:
        self._fault(misbehave, frozenset())
        network = params.get("network", self.network)
        if network not in _NETWORKS:
            raise InvalidArgumentError(f"network must be one of {sorted(_NETWORKS)}")
        chosen = self.account(account)
        entry = {
            "symbol": "STX",
            "address": self.stx_address(account, network=network),
            "publicKey": chosen.stx_public_key,
        }
        return {"addresses": [entry]}

    def _sign_message(
        self, params: dict[str, Any], account: int, misbehave: Misbehaviour | None
    ) -> dict[str, Any]:
        if params.get("messageType", "utf8") == "structured":
            return self._sign_structured(params, account, misbehave)
        fault = self._fault(misbehave, _MESSAGE_FAULTS)
        message = params.get("message")
        if not isinstance(message, str):
            raise InvalidArgumentError("params.message must be a string")
        chosen = self.account(account)
        key = chosen.stx_private_key
        if fault is Misbehaviour.WRONG_KEY:
            key = _other_private_key(key)
        elif fault is Misbehaviour.TAMPERED:
            message += " "
        return {"signature": sign_message(key, message), "publicKey": chosen.stx_public_key}

    def _sign_structured(
        self, params: dict[str, Any], account: int, misbehave: Misbehaviour | None
    ) -> dict[str, Any]:
        fault = self._fault(misbehave, _STRUCTURED_FAULTS)
        domain = check_domain(_clarity_param(params, "domain"))
        message = _clarity_param(params, "message")
        chosen = self.account(account)
        key = chosen.stx_private_key
        if fault is Misbehaviour.WRONG_KEY:
            key = _other_private_key(key)
        elif fault is Misbehaviour.TAMPERED:
            message = Cl.some(message)
        elif fault is Misbehaviour.WRONG_DOMAIN:
            name = domain["name"]
            assert isinstance(name, StringAsciiCV)  # check_domain made sure
            domain = TupleCV.of({**domain.to_dict(), "name": Cl.string_ascii(name.value + "!")})
        # Wallets deserialise with stacks.js and sign what its serializeCV writes.
        signature = sign_structured_data(key, domain=domain, message=message, key_order="stacks.js")
        return {"signature": signature, "publicKey": chosen.stx_public_key}


def _clarity_param(params: Mapping[str, Any], name: str) -> ClarityValue:
    """A Clarity value given as hex (what Connect 8 sends) or as a `ClarityValue`."""
    value = params.get(name)
    if isinstance(value, ClarityValue):
        return value
    if not isinstance(value, str):
        raise InvalidArgumentError(f"params.{name} must be a Clarity value as hex")
    try:
        return deserialize(value)
    except MalformedClarityValueError as exc:
        raise InvalidArgumentError(f"params.{name}: {exc.message}") from None


def _tampered(token: str, stx_address: str) -> str:
    """The token with its profile's STX addresses replaced, the signature kept."""
    header, _, signature = token.split(".")
    payload = jwt.decode(token).payload
    payload["profile"]["stxAddress"] = {"testnet": stx_address, "mainnet": stx_address}
    return f"{header}.{b64url_encode(dumps(payload))}.{signature}"


_Handler = Callable[[TestWallet, dict[str, Any], int, Misbehaviour | None], dict[str, Any]]
_METHODS: dict[str, _Handler] = {
    "getAddresses": TestWallet._get_addresses,
    "stx_getAddresses": TestWallet._get_addresses,
    "stx_signMessage": TestWallet._sign_message,
    "stx_signStructuredMessage": TestWallet._sign_structured,
}
