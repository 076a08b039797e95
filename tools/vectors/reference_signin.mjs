// Sign in the way the reference stack does, for the integration tests and examples:
//
//   node tools/vectors/reference_signin.mjs '{"mode":"siws", "privateKey", "domain", "uri",
//        "nonce", "chainId", "issuedAt", "statement"?}'
//     -> {"message", "signature", "publicKey", "address"}: the Sign-In with Stacks text
//        (createSiwsMessage's format, spec siws.md §1; sign-in-with-stacks is not on our
//        registry) signed with @stacks/transactions signMessageHashRsv(hashMessage(text)),
//        what Leather and Xverse answer to stx_signMessage;
//   node tools/vectors/reference_signin.mjs '{"mode":"legacy", "authRequest", "mnemonic"}'
//     -> {"authResponse"}: @stacks/wallet-sdk makeAuthResponse for the app's authRequest
//        (account 0; Gaia unreachable, as offline wallets proceed).
import { bytesToHex } from '@stacks/common';
import { hashMessage } from '@stacks/encryption';
import { getAddressFromPrivateKey, privateKeyToPublic, signMessageHashRsv } from '@stacks/transactions';
import { generateWallet, makeAuthResponse } from '@stacks/wallet-sdk';
import { decodeToken } from 'jsontokens';

const input = JSON.parse(process.argv[2]);

function siwsMessage({ domain, address, statement, uri, chainId, nonce, issuedAt }) {
  const prefix = `${domain} wants you to sign in with your Stacks account:\n${address}\n\n`;
  const body = `${statement ? `${statement}\n` : ''}\nURI: ${uri}\nVersion: 1\nChain ID: ${chainId}\n`;
  return `${prefix}${body}Nonce: ${nonce}\nIssued At: ${issuedAt}`;
}

async function main() {
  if (input.mode === 'siws') {
    const network = input.chainId === 1 ? 'mainnet' : 'testnet';
    const address = getAddressFromPrivateKey(input.privateKey, network);
    const message = siwsMessage({ ...input, address });
    const signature = signMessageHashRsv({
      messageHash: bytesToHex(hashMessage(message)),
      privateKey: input.privateKey,
    });
    return { message, signature, publicKey: privateKeyToPublic(input.privateKey), address };
  }
  if (input.mode === 'legacy') {
    const request = decodeToken(input.authRequest).payload;
    const wallet = await generateWallet({ secretKey: input.mnemonic, password: '' });
    const hubDown = async () => {
      throw new Error('offline');
    };
    const authResponse = await makeAuthResponse({
      account: wallet.accounts[0],
      appDomain: request.domain_name,
      transitPublicKey: request.public_keys[0],
      scopes: request.scopes,
      gaiaHubUrl: 'https://hub.blockstack.org',
      fetchFn: hubDown,
    });
    return { authResponse };
  }
  throw new Error(`unknown mode ${input.mode}`);
}

process.stdout.write(JSON.stringify(await main()));
