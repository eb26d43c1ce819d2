// NCALayer: the НУЦ РК signing application on the user's computer, reached through its local
// WebSocket. Module kz.gov.pki.knca.basics, method "sign", format "cms".
// The URL is configurable (window.PEDATT_CONFIG.ncalayerUrl or localStorage "pedatt.ncalayerUrl")
// so tests can point it at a stand-in.
import { getLang, t } from "./i18n";

export const DEFAULT_NCALAYER_URL = "wss://127.0.0.1:13579";

export function ncalayerUrl(): string {
  return (
    (window as any).PEDATT_CONFIG?.ncalayerUrl || localStorage.getItem("pedatt.ncalayerUrl") || DEFAULT_NCALAYER_URL
  );
}

export class NCALayerError extends Error {
  userFacing = true;
  cancelled: boolean;
  constructor(message: string, cancelled = false) {
    super(message);
    this.cancelled = cancelled;
  }
}

/** Signing key usages: a signing (not authentication) key of a person or of an organization. */
export const EKU_SIGN = "1.3.6.1.5.5.7.3.4";

export interface SignOptions {
  /** detached CMS (the data is not embedded); the server verifies against the stored bytes */
  detached?: boolean;
  /** restrict the certificate choice to this IIN / BIN */
  iin?: string;
  bin?: string;
  timeoutMs?: number;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let s = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) s += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(s);
}

/** Sign bytes (base64) and return the CMS in base64. */
export function signCms(dataBase64: string, opts: SignOptions = {}): Promise<string> {
  const url = ncalayerUrl();
  return new Promise((resolve, reject) => {
    let ws: WebSocket;
    let done = false;
    let sent = false;
    const finish = (err: Error | null, value?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        ws.close();
      } catch {
        /* already closed */
      }
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(() => finish(new NCALayerError(t("ncalayer.timeout"))), opts.timeoutMs ?? 180_000);
    try {
      ws = new WebSocket(url);
    } catch {
      finish(new NCALayerError(t("ncalayer.unavailable")));
      return;
    }
    const send = () => {
      if (sent) return;
      sent = true;
      const signerParams: Record<string, unknown> = { extKeyUsageOids: [EKU_SIGN], chain: [] };
      if (opts.iin) signerParams.iin = opts.iin;
      if (opts.bin) signerParams.bin = opts.bin;
      ws.send(
        JSON.stringify({
          module: "kz.gov.pki.knca.basics",
          method: "sign",
          args: {
            allowedStorages: ["PKCS12", "AKKaztokenStore", "AKKZIDCardStore", "AKJaCartaStore"],
            format: "cms",
            data: dataBase64,
            signingParams: { decode: true, encapsulate: !(opts.detached ?? true), digested: false },
            signerParams,
            locale: getLang() === "kk" ? "kk" : "ru",
          },
        }),
      );
    };
    ws.onopen = () => {
      // NCALayer greets with {"result":{"version":...}}; send after it, or shortly after opening.
      setTimeout(send, 300);
    };
    ws.onerror = () => finish(new NCALayerError(t("ncalayer.unavailable")));
    ws.onclose = () => finish(new NCALayerError(sent ? t("ncalayer.closed") : t("ncalayer.unavailable")));
    ws.onmessage = (ev) => {
      let msg: any;
      try {
        msg = JSON.parse(String(ev.data));
      } catch {
        finish(new NCALayerError(t("ncalayer.bad")));
        return;
      }
      if (msg?.result?.version !== undefined && !sent) {
        send();
        return;
      }
      if (msg?.status === false) {
        finish(new NCALayerError(t("ncalayer.failed", { reason: String(msg.message ?? msg.code ?? "") })));
        return;
      }
      const result = msg?.body?.result ?? msg?.responseObject;
      const cms = Array.isArray(result) ? result[0] : result;
      if (typeof cms === "string" && cms) {
        finish(null, cms.replace(/-----(BEGIN|END)[^-]*-----/g, "").replace(/\s+/g, ""));
        return;
      }
      // status true with an empty body: the user closed the key dialog
      finish(new NCALayerError(t("ncalayer.cancelled"), true));
    };
  });
}
