// A test PKI made by the test itself with the `openssl` command line, in a temp dir: nothing
// private is committed. Keys are EC P-256 (fast to make). Layout (Security Whitepaper
// section 2.5 and 4):
//
//   CSMS root CA ─┬─ server certificate for 127.0.0.1 (CN and subjectAltName IP:127.0.0.1)
//                 ├─ expired server certificate for 127.0.0.1
//                 ├─ server certificate for another host (CN and DNS name csms.wrong.example)
//                 └─ CPO sub-CA ── charge point certificate (CN = identity, O = CPO name)
//   manufacturer root CA ── firmware signing certificate
//
//   const { makePki } = require('./lib/pki');
//   const pki = makePki(dir, { identity: 'CP-1', cpoName: 'Test CPO' });
//   pki.server.cert, pki.server.key, pki.csmsRoot.cert, pki.chargePoint.chain, ...
//   pki.signCsr(csrPem)      -> PEM certificate issued by the CPO sub-CA
//   pki.signFile(path)       -> base64 SHA-256 signature with the firmware signing key
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const DAY_MS = 24 * 3600 * 1000;

function openssl(args, opts = {}) {
  try {
    return execFileSync('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'], ...opts });
  } catch (err) {
    const stderr = err.stderr ? err.stderr.toString() : '';
    throw new Error(`openssl ${args.join(' ')} failed: ${stderr || err.message}`);
  }
}

// openssl ca's date format: YYYYMMDDHHMMSSZ.
function caDate(ms) {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

// A subject for -subj: {O, CN} in that order ("/O=.../CN=...").
function subj({ O, CN }) {
  const esc = (v) => String(v).replace(/[/\\]/g, (c) => `\\${c}`);
  return (O ? `/O=${esc(O)}` : '') + `/CN=${esc(CN)}`;
}

class Pki {
  constructor(dir) {
    this.dir = dir;
    fs.mkdirSync(dir, { recursive: true });
    this._serial = 0x1000;
  }

  file(name) {
    return path.join(this.dir, name);
  }

  /** A new P-256 key (PEM file) and a CSR for it; returns {key, csr} paths. */
  keyAndCsr(name, subject) {
    const key = this.file(`${name}.key`);
    const csr = this.file(`${name}.csr`);
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', key, '-out', csr, '-subj', subj(subject)]);
    return { key, csr };
  }

  /** A self-signed root CA: {name, cert, key, subject}. */
  root(name, subject) {
    const key = this.file(`${name}.key`);
    const cert = this.file(`${name}.pem`);
    openssl(['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', key, '-out', cert, '-days', '3650', '-subj', subj(subject),
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-addext', 'subjectKeyIdentifier=hash']);
    return { name, cert, key, subject, pem: fs.readFileSync(cert, 'utf8') };
  }

  /**
   * Issues a certificate for the CSR file `csr` with the CA `issuer` ({cert, key}) and the
   * extensions `ext` (openssl config lines), valid from notBefore to notAfter (ms since the
   * epoch; default: an hour ago to a year ahead). Returns the PEM file's path.
   */
  issue(issuer, csr, out, ext, { notBefore = Date.now() - 3600 * 1000, notAfter = Date.now() + 365 * DAY_MS } = {}) {
    const db = this.file(`${path.basename(out)}.ca`);
    fs.mkdirSync(db, { recursive: true });
    fs.writeFileSync(path.join(db, 'index.txt'), '');
    fs.writeFileSync(path.join(db, 'serial'), `${(this._serial++).toString(16).toUpperCase()}\n`);
    const cnf = path.join(db, 'ca.cnf');
    fs.writeFileSync(cnf, [
      '[ca]', 'default_ca = tca', '[tca]',
      `database = ${path.join(db, 'index.txt')}`, `new_certs_dir = ${db}`, `serial = ${path.join(db, 'serial')}`,
      'default_md = sha256', 'policy = any', 'unique_subject = no', 'copy_extensions = none',
      '[any]', 'countryName = optional', 'organizationName = optional', 'commonName = supplied',
      '[ext]', 'authorityKeyIdentifier = keyid', 'subjectKeyIdentifier = hash', ...ext, '',
    ].join('\n'));
    openssl(['ca', '-batch', '-config', cnf, '-cert', issuer.cert, '-keyfile', issuer.key, '-in', csr,
      '-out', out, '-startdate', caDate(notBefore), '-enddate', caDate(notAfter), '-extensions', 'ext',
      '-notext', '-preserveDN']);
    fs.rmSync(db, { recursive: true, force: true });
    return out;
  }

  /** A leaf (or sub-CA with ca: true) with a new key: {name, cert, key, subject, pem}. */
  leaf(name, issuer, subject, ext, validity) {
    const { key, csr } = this.keyAndCsr(name, subject);
    const cert = this.issue(issuer, csr, this.file(`${name}.pem`), ext, validity);
    return { name, cert, key, subject, pem: fs.readFileSync(cert, 'utf8') };
  }

  /** A TLS server certificate for `host` (an IP address or a DNS name), issued by the CSMS root. */
  serverCertificate(name, host, validity) {
    const san = /^[0-9.]+$/.test(host) ? `IP:${host}` : `DNS:${host}`;
    return this.leaf(name, this.csmsRoot, { O: 'Test CSMS', CN: host }, [
      'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature',
      'extendedKeyUsage = serverAuth', `subjectAltName = ${san}`,
    ], validity);
  }

  /** A charge point certificate (CN = identity, O = CPO name) issued by the CPO sub-CA, with its chain file. */
  chargePointCertificate(name, identity, cpoName, validity) {
    const c = this.leaf(name, this.cpoSubCa, { O: cpoName, CN: identity }, [
      'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature,keyAgreement',
      'extendedKeyUsage = clientAuth',
    ], validity);
    // The chain the charge point presents: its certificate, then the sub-CA (leaf first).
    c.chain = this.file(`${name}-chain.pem`);
    fs.writeFileSync(c.chain, c.pem + this.cpoSubCa.pem);
    return c;
  }

  /** Signs a CSR (PEM text) with the CPO sub-CA; returns the certificate (PEM text). */
  signCsr(csrPem, validity) {
    const name = `csr-${this._serial}`;
    const csr = this.file(`${name}.csr`);
    fs.writeFileSync(csr, csrPem);
    const cert = this.issue(this.cpoSubCa, csr, this.file(`${name}.pem`), [
      'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature,keyAgreement',
      'extendedKeyUsage = clientAuth',
    ], validity);
    return fs.readFileSync(cert, 'utf8');
  }

  /** Base64 of the SHA-256 signature of a file (a firmware image) with the firmware signing key. */
  signFile(file) {
    return openssl(['dgst', '-sha256', '-sign', this.firmwareSigning.key, file]).toString('base64');
  }

  /** The subject of a PEM certificate file, as openssl prints it ("O = ..., CN = ..."). */
  static subjectOf(certFile) {
    return openssl(['x509', '-in', certFile, '-noout', '-subject', '-nameopt', 'oneline'])
      .toString().trim().replace(/^subject=\s*/, '');
  }
}

/**
 * Makes the whole test PKI in `dir` for the charge point `identity` of the CPO `cpoName`.
 */
function makePki(dir, { identity = 'CP-1', cpoName = 'Test CPO' } = {}) {
  const pki = new Pki(dir);
  pki.csmsRoot = pki.root('csms-root', { O: 'Test CSMS', CN: 'Test CSMS Root CA' });
  pki.server = pki.serverCertificate('server', '127.0.0.1');
  pki.serverExpired = pki.serverCertificate('server-expired', '127.0.0.1',
    { notBefore: Date.now() - 60 * DAY_MS, notAfter: Date.now() - 30 * DAY_MS });
  pki.serverWrongHost = pki.serverCertificate('server-wrong-host', 'csms.wrong.example');
  pki.cpoSubCa = pki.leaf('cpo-sub-ca', pki.csmsRoot, { O: cpoName, CN: `${cpoName} Charge Point CA` }, [
    'basicConstraints = critical,CA:TRUE,pathlen:0', 'keyUsage = critical,keyCertSign,cRLSign',
  ]);
  pki.chargePoint = pki.chargePointCertificate('charge-point', identity, cpoName);
  pki.manufacturerRoot = pki.root('manufacturer-root', { O: 'Test Manufacturer', CN: 'Test Manufacturer Root CA' });
  pki.firmwareSigning = pki.leaf('firmware-signing', pki.manufacturerRoot,
    { O: 'Test Manufacturer', CN: 'Test Firmware Signing' }, [
      'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature',
      'extendedKeyUsage = codeSigning',
    ]);
  return pki;
}

module.exports = { makePki, Pki };
