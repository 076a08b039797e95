/* authtokens dev wallet: a SIP-030 provider for development pages. Never for real funds.
 *
 * Registers window.AuthtokensDevWallet, a WBIP004 entry in window.wbip_providers, and
 * window.StacksProvider when no wallet extension set one. provider.request(method, params)
 * forwards to the dev wallet over fetch; unless the wallet runs with --auto-approve, a consent
 * popup opens and the promise settles once the user approves or denies there. It resolves
 * with {jsonrpc, id, result} and rejects with {jsonrpc, id, error: {code, message}}, as
 * wallet extensions do (@stacks/connect 8 reads both).
 */
(function () {
  "use strict";
  var CONFIG = /*CONFIG*/ {};
  var base = CONFIG.base;
  var counter = 0;
  var USER_REJECTED = -32000;
  var INTERNAL = -32603;

  function failure(id, code, message) {
    return { jsonrpc: "2.0", id: id, error: { code: code, message: message } };
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function settle(response) {
    if (response && response.error) throw response;
    return response;
  }

  async function call(path, body) {
    var init = { credentials: "omit" };
    if (body !== undefined) {
      init.method = "POST";
      init.headers = { "content-type": "application/json" };
      init.body = JSON.stringify(body);
    }
    var res = await fetch(base + path, init);
    return res.json();
  }

  async function request(method, params) {
    var id = "authtokens-dev-" + (++counter);
    // Opened before any await: browsers allow popups only during the user's click.
    var popup = CONFIG.autoApprove
      ? null
      : window.open(base + "/rpc/wait", "authtokens-dev-wallet", "popup,width=480,height=720");
    var created;
    try {
      created = await call("/rpc", { jsonrpc: "2.0", id: id, method: method, params: params || {} });
    } catch (e) {
      if (popup) popup.close();
      throw failure(id, INTERNAL, "the dev wallet at " + base + " is not reachable");
    }
    if (created.status === "done") {
      if (popup) popup.close();
      return settle(created.response);
    }
    if (!popup) {
      await call("/rpc/requests/" + created.request + "/cancel", {});
      throw failure(id, INTERNAL, "the consent popup was blocked; allow popups for this page");
    }
    popup.location.href = base + "/rpc/consent/" + created.request;
    var closedPolls = 0;
    for (;;) {
      await sleep(250);
      var state = await call("/rpc/requests/" + created.request);
      if (state.status === "done") return settle(state.response);
      if (popup.closed && ++closedPolls > 2) {
        await call("/rpc/requests/" + created.request + "/cancel", {});
        throw failure(id, USER_REJECTED, "User rejected request");
      }
    }
  }

  var provider = {
    isAuthtokensDevWallet: true,
    request: request,
    getProductInfo: function () {
      return { version: CONFIG.version, name: CONFIG.name };
    },
  };

  window.AuthtokensDevWallet = provider;
  if (!window.StacksProvider) window.StacksProvider = provider;
  if (!window.wbip_providers) window.wbip_providers = [];
  var known = window.wbip_providers.some(function (p) { return p && p.id === CONFIG.id; });
  if (!known) {
    window.wbip_providers.push({
      id: CONFIG.id,
      name: CONFIG.name,
      icon: CONFIG.icon,
      webUrl: base,
      methods: CONFIG.methods,
    });
  }
})();
