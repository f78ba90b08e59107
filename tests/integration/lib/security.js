// Helpers for the Security Whitepaper scenarios (security_certificates.js,
// security_firmware_logs.js, security_profile_upgrade.js), beside the CSMS of csms/csms.js:
//
//   certificateHashData(cert, issuer)  -> {hashAlgorithm, issuerNameHash, issuerKeyHash,
//                                         serialNumber} computed by `openssl ocsp` (RFC 6960 CertID)
//   inspectCsr(pem, dir)              -> {verified, CN, O} of a PEM CSR (`openssl req -verify`)
//   trackPeerCertificates(csms)       -> array filled with {serial, fingerprint256, CN} of each
//                                         client certificate a wss:// CSMS accepts
//   SharedPort                        -> one TCP port that hands plain connections to a ws://
//                                         CSMS and TLS ones to a wss:// CSMS (or drops them)
//   FileServer                        -> http://127.0.0.1:PORT/ serving GET from and PUT into a dir
'use strict';

const fs = require('node:fs');
const net = require('node:net');
const http = require('node:http');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

function openssl(args, input) {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
}

/** CertificateHashDataType (SHA256) of `certFile` issued by `issuerFile`, as OCSP computes it. */
function certificateHashData(certFile, issuerFile) {
  const text = openssl(['ocsp', '-sha256', '-issuer', issuerFile, '-cert', certFile, '-no_nonce',
    '-reqout', '/dev/null', '-req_text']);
  const field = (name) => {
    const m = new RegExp(`${name}: ([0-9A-F]+)`).exec(text);
    if (!m) throw new Error(`openssl ocsp printed no ${name}:\n${text}`);
    return m[1];
  };
  return {
    hashAlgorithm: 'SHA256',
    issuerNameHash: field('Issuer Name Hash').toLowerCase(),
    issuerKeyHash: field('Issuer Key Hash').toLowerCase(),
    serialNumber: field('Serial Number').replace(/^0+(?=.)/, ''),
  };
}

/** Verifies a PEM CSR's self-signature and reads its subject: {verified, CN, O, subject}. */
function inspectCsr(csrPem, dir) {
  const file = path.join(dir, `csr-${Date.now()}-${Math.random().toString(16).slice(2)}.pem`);
  fs.writeFileSync(file, csrPem);
  let verified = false;
  let out = '';
  try {
    out = execFileSync('openssl', ['req', '-in', file, '-noout', '-verify', '-subject', '-nameopt', 'oneline'],
      { stdio: ['pipe', 'pipe', 'pipe'] }).toString();
    verified = true;  // openssl req -verify exits non-zero on a bad signature
  } catch (err) {
    out = `${err.stdout || ''}${err.stderr || ''}`;
  }
  const subject = (/subject=\s*(.*)/.exec(out) || [])[1] || '';
  const part = (k) => (new RegExp(`(?:^|, )${k} = ([^,]*)`).exec(subject) || [])[1];
  return { verified, subject, CN: part('CN'), O: part('O'), file };
}

/** Records the client certificate of every TLS connection `csms` (wss://, started) accepts. */
function trackPeerCertificates(csms) {
  const seen = [];
  csms.httpServer.on('secureConnection', (sock) => {
    const peer = sock.getPeerCertificate();
    if (!peer || !peer.serialNumber) return;
    seen.push({ t: Date.now(), serial: peer.serialNumber.replace(/^0+(?=.)/, ''), fingerprint256: peer.fingerprint256,
      CN: peer.subject && peer.subject.CN });
  });
  return seen;
}

/** The serial number (upper-case hex, no leading zeroes) and SHA-256 fingerprint of a PEM certificate. */
function certificateId(pem) {
  const { X509Certificate } = require('node:crypto');
  const c = new X509Certificate(pem);
  return { serial: c.serialNumber.toUpperCase().replace(/^0+(?=.)/, ''), fingerprint256: c.fingerprint256 };
}

/**
 * One port for two CSMSes: a connection whose first byte is a TLS handshake record (0x16) is
 * relayed to `tls` (a wss:// Csms; dropped while it is null), any other to `plain` (a ws:// Csms).
 * So a charger that switches from ws:// to wss:// on the same host:port (A05.FR.07) finds a
 * TLS server there, or, with tls = null, none.
 */
class SharedPort {
  constructor({ plain, tls = null }) {
    this.plain = plain;
    this.tls = tls;
    this.counts = { plain: 0, tls: 0, tlsDropped: 0 };
    this.sockets = new Set();
    this.server = net.createServer((sock) => {
      this.sockets.add(sock);
      sock.once('close', () => this.sockets.delete(sock));
      sock.once('data', (first) => {
        const isTls = first[0] === 0x16;
        const target = isTls ? this.tls : this.plain;
        if (!target || !target.running) {
          if (isTls) this.counts.tlsDropped++;
          sock.destroy();
          return;
        }
        this.counts[isTls ? 'tls' : 'plain']++;
        // A byte-for-byte relay to the CSMS's own port (a TLS server reads its socket's handle
        // directly, so the first chunk could not be handed back to it in process).
        const up = net.connect(target.port, '127.0.0.1', () => {
          up.write(first);
          sock.pipe(up);
          up.pipe(sock);
        });
        this.sockets.add(up);
        up.once('close', () => { this.sockets.delete(up); sock.destroy(); });
        sock.once('close', () => up.destroy());
        up.on('error', () => sock.destroy());
      });
      sock.on('error', () => {});
    });
  }

  async listen() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = this.server.address().port;
    return this.port;
  }

  get url() {
    return `ws://127.0.0.1:${this.port}`;
  }

  async close() {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** http://127.0.0.1:PORT/: GET serves the files of `dir`, PUT stores into it; every request is recorded. */
class FileServer {
  constructor(dir) {
    this.dir = dir;
    this.requests = [];
    this.server = http.createServer((req, res) => {
      const name = path.basename(decodeURIComponent(req.url.split('?')[0]));
      const file = path.join(this.dir, name);
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({ method: req.method, url: req.url, bytes: Buffer.concat(chunks).length });
        if (req.method === 'PUT') {
          fs.writeFileSync(file, Buffer.concat(chunks));
          res.statusCode = 201;
          res.end();
        } else if (req.method === 'GET' && fs.existsSync(file)) {
          res.end(fs.readFileSync(file));
        } else {
          res.statusCode = 404;
          res.end();
        }
      });
    });
  }

  async listen() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    return this.url;
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(() => resolve()));
  }
}

module.exports = { certificateHashData, inspectCsr, trackPeerCertificates, certificateId, SharedPort, FileServer };
