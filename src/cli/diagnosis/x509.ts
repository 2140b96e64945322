// X.509 in a diagnosis: the certificate given with --cert, or every discovery candidate.
import { loadX509CertificateFile } from "../../x509/credential.js";
import { explainX509Discovery } from "../../x509/discovery.js";
import { preRfc3820ProxyReason } from "../../x509/legacy-proxy.js";
import { DEFAULT_TIMELEFT, validateCertificate } from "../../x509/validate.js";
import type { AuthFlags } from "../auth-flags.js";
import { chosenX509, summariseX509, summariseX509Candidate } from "../describe-x509.js";
import { modeOf, type X509Diagnosis } from "./types.js";

function x509Explicit(flags: AuthFlags, why: string): X509Diagnosis {
  const certPath = flags.cert as string;
  const keyPath = flags.key;
  const source = "--cert";
  const base = { source, certPath, ...(keyPath !== undefined ? { keyPath } : {}) };
  try {
    const credential = loadX509CertificateFile(certPath);
    const selected = summariseX509(credential, base);
    try {
      validateCertificate(credential, 0);
      // Presented as asked, but most servers will refuse it: say so before they do.
      const legacy = preRfc3820ProxyReason(credential);
      if (legacy !== undefined) throw new Error(`it holds a ${legacy}`);
    } catch (err) {
      const problem = err instanceof Error ? err.message : String(err);
      return {
        mode: "explicit",
        why,
        candidates: [{ ...base, checked: true, accepted: true, reason: "given explicitly" }],
        selected,
        problem: `the certificate given is presented as is, but ${problem}`,
      };
    }
    return {
      mode: "explicit",
      why,
      candidates: [{ ...base, checked: true, accepted: true, reason: "given explicitly" }],
      selected,
    };
  } catch (err) {
    const problem = err instanceof Error ? err.message : String(err);
    return {
      mode: "explicit",
      why,
      candidates: [{ ...base, checked: true, accepted: false, reason: problem }],
      selected: null,
      problem: `requests would fail: ${problem}`,
    };
  }
}

export function diagnoseX509(url: string, flags: AuthFlags, noAuth: boolean): X509Diagnosis {
  const found = findX509(flags, noAuth);
  if (!found.selected || new URL(url).protocol === "https:") return found;
  return {
    ...found,
    selected: null,
    problem: "plain http has no TLS, so no client certificate is presented",
  };
}

function findX509(flags: AuthFlags, noAuth: boolean): X509Diagnosis {
  const { mode, why } = modeOf(flags.cert, "--cert", "IGWN_AUTH_UTILS_FIND_X509", noAuth);
  if (mode === "off") return { mode, why, candidates: [], selected: null };
  if (mode === "explicit") return x509Explicit(flags, why);
  const reports = explainX509Discovery({ timeleft: DEFAULT_TIMELEFT, usable: true });
  const chosen = chosenX509(reports);
  return {
    mode,
    why,
    candidates: reports.map((r) => summariseX509Candidate(r, r === chosen)),
    selected: chosen?.credential ? summariseX509(chosen.credential, chosen) : null,
    ...(mode === "required" && !chosen
      ? { problem: "a certificate is required, and requests would fail without one" }
      : {}),
  };
}
