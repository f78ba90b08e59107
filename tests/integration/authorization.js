// integration.authorization — Local Authorization List and Authorization Cache against the
// strict CSMS: SendLocalList Full / Differential (VersionMismatch), GetLocalListVersion,
// ClearCache; during a CSMS outage a listed idTag starts a transaction offline, a listed
// Blocked idTag and an unknown one do not; the offline StartTransaction is delivered after the
// CSMS comes back.
//   OCPP 1.6 §3.5.2 (Local Authorization List), §3.5.4 (Unknown Offline Authorization: listed
//   non-Accepted identifiers MUST be rejected), §5.4 (ClearCache), §5.10 (GetLocalListVersion:
//   0 for an empty list), §5.15 / §7.47 (SendLocalList, VersionMismatch), §9.1.12
//   (LocalAuthorizeOffline, default true), §9.1.1 (AllowOfflineTxForUnknownId, default false),
//   §3.7 (transaction messages queued while offline).
'use strict';

const { scenario } = require('./lib/harness');

scenario('authorization', async (t) => {
  const { assert } = t;
  const { csms, cp } = await t.bootedPair({ csmsOpts: { authorize: { CACHED1: 'Accepted' } } });

  // -------------------------------------------------------------------------------------------
  t.step('GetLocalListVersion on an empty list, SendLocalList Full and Differential');
  let v = await csms.call('GetLocalListVersion', {});
  t.ok(`empty list: listVersion ${v.listVersion} (§5.10: 0)`, () => assert.equal(v.listVersion, 0));
  let r = await csms.call('SendLocalList', {
    listVersion: 3,
    updateType: 'Full',
    localAuthorizationList: [
      { idTag: 'LISTED1', idTagInfo: { status: 'Accepted' } },
      { idTag: 'BLOCKED1', idTagInfo: { status: 'Blocked' } },
    ],
  });
  t.ok(`SendLocalList Full v3 -> ${r.status}`, () => assert.equal(r.status, 'Accepted'));
  v = await csms.call('GetLocalListVersion', {});
  t.ok(`GetLocalListVersion -> ${v.listVersion}`, () => assert.equal(v.listVersion, 3));
  r = await csms.call('SendLocalList', {
    listVersion: 3, updateType: 'Differential', localAuthorizationList: [{ idTag: 'LATE1', idTagInfo: { status: 'Accepted' } }],
  });
  t.ok(`Differential with the same version 3 -> ${r.status} (§7.47)`, () => assert.equal(r.status, 'VersionMismatch'));
  r = await csms.call('SendLocalList', {
    listVersion: 4, updateType: 'Differential', localAuthorizationList: [{ idTag: 'LATE1', idTagInfo: { status: 'Accepted' } }],
  });
  t.ok(`Differential v4 adding LATE1 -> ${r.status}`, () => assert.equal(r.status, 'Accepted'));
  v = await csms.call('GetLocalListVersion', {});
  t.ok(`GetLocalListVersion -> ${v.listVersion}`, () => assert.equal(v.listVersion, 4));

  // -------------------------------------------------------------------------------------------
  t.step('the cache learns CACHED1 from Authorize.conf; ClearCache');
  // The online authorization of CACHED1 (no cable) must lapse before the offline part.
  const ct = await csms.call('ChangeConfiguration', { key: 'ConnectionTimeOut', value: '1' });
  t.ok(`ConnectionTimeOut=1 -> ${ct.status}`, () => assert.equal(ct.status, 'Accepted'));
  let em = cp.mark();
  cp.send('tag CACHED1');
  const a1 = await cp.waitFor((e) => e.event === 'authorize' && e.idTag === 'CACHED1', { from: em, timeoutMs: 5000 });
  t.ok(`CACHED1 authorized online: ${a1.status}`, () => assert.equal(a1.status, 'Accepted'));
  const cc = await csms.call('ClearCache', {});
  t.ok(`ClearCache -> ${cc.status} (§5.4)`, () => assert.equal(cc.status, 'Accepted'));
  v = await csms.call('GetLocalListVersion', {});
  t.ok(`the list is not the cache: listVersion still ${v.listVersion}`, () => assert.equal(v.listVersion, 4));

  // -------------------------------------------------------------------------------------------
  t.step('CSMS outage: the local list decides');
  await t.sleep(1500);
  em = cp.mark();
  await csms.stop();
  await cp.waitFor((e) => e.event === 'disconnected', { from: em, timeoutMs: 5000 });
  t.ok('daemon reports disconnected', true);
  cp.send('plug 1');
  for (const [tag, status] of [['BLOCKED1', 'Blocked'], ['UNKNOWN1', 'Invalid'], ['CACHED1', 'Invalid']]) {
    em = cp.mark();
    cp.send(`tag ${tag}`);
    const ev = await cp.waitFor((e) => e.event === 'authorize' && e.idTag === tag, { from: em, timeoutMs: 5000 });
    t.ok(`offline ${tag} -> ${ev.status} (${tag === 'BLOCKED1' ? '§3.5.4 listed Blocked MUST be rejected' : 'unknown: AllowOfflineTxForUnknownId false'})`,
      () => assert.equal(ev.status, status));
    await t.sleep(300);
    t.ok(`no transaction for ${tag}`, () => assert.equal(cp.find((e) => e.event === 'transaction_started', em).length, 0));
  }
  em = cp.mark();
  cp.send('tag LISTED1');
  const started = await cp.waitFor((e) => e.event === 'transaction_started', { from: em, timeoutMs: 5000 });
  t.ok(`offline LISTED1 starts a transaction on connector ${started.connectorId} (§9.1.12 LocalAuthorizeOffline)`, () => {
    assert.equal(started.idTag, 'LISTED1');
    assert.equal(started.connectorId, 1);
  });

  // -------------------------------------------------------------------------------------------
  t.step('CSMS back: the offline StartTransaction is delivered; LISTED1 stops it');
  const m = csms.mark();
  await csms.start();
  await csms.waitForConnection({ from: m, timeoutMs: 8000 });
  const start = await csms.waitForCall('StartTransaction', () => true, { from: m, timeoutMs: 10000 });
  t.ok(`StartTransaction.req idTag ${start.payload.idTag}, connector ${start.payload.connectorId}`, () => {
    assert.equal(start.payload.idTag, 'LISTED1');
    assert.equal(start.payload.connectorId, 1);
  });
  const txId = start.response.payload.transactionId;
  await cp.waitFor((e) => e.event === 'transaction_id' && e.transactionId === txId, { from: em, timeoutMs: 5000 });
  const m2 = csms.mark();
  cp.send('tag LISTED1');
  const stop = await csms.waitForCall('StopTransaction', () => true, { from: m2, timeoutMs: 5000 });
  t.ok(`StopTransaction.req transactionId ${stop.payload.transactionId}, idTag ${stop.payload.idTag}`, () => {
    assert.equal(stop.payload.transactionId, txId);
    assert.equal(stop.payload.idTag, 'LISTED1');
  });
  t.ok('no Authorize.req for LISTED1 at any time (offline start, same-idTag stop)',
    () => assert.equal(csms.callsFromCharger('Authorize').filter((c) => c.payload.idTag === 'LISTED1').length, 0));
  v = await csms.call('GetLocalListVersion', {});
  t.ok(`the list survived the outage: listVersion ${v.listVersion}`, () => assert.equal(v.listVersion, 4));

  // -------------------------------------------------------------------------------------------
  t.step('parentIdTag (§3.10): with LocalPreAuthorize, MUM1 of the same group stops DAD1\'s transaction');
  const pre = await csms.call('ChangeConfiguration', { key: 'LocalPreAuthorize', value: 'true' });
  t.ok(`LocalPreAuthorize=true -> ${pre.status}`, () => assert.equal(pre.status, 'Accepted'));
  r = await csms.call('SendLocalList', {
    listVersion: 5,
    updateType: 'Differential',
    localAuthorizationList: [
      { idTag: 'DAD1', idTagInfo: { status: 'Accepted', parentIdTag: 'FAMILY1' } },
      { idTag: 'MUM1', idTagInfo: { status: 'Accepted', parentIdTag: 'FAMILY1' } },
      { idTag: 'OTHER1', idTagInfo: { status: 'Accepted', parentIdTag: 'OTHERS' } },
    ],
  });
  t.ok(`Differential v5 with a group -> ${r.status}`, () => assert.equal(r.status, 'Accepted'));
  cp.send('unplug 1');
  await t.sleep(300);
  cp.send('plug 1');
  const m3 = csms.mark();
  cp.send('tag DAD1');
  const startDad = await csms.waitForCall('StartTransaction', (p) => p.idTag === 'DAD1', { from: m3, timeoutMs: 5000 });
  const txDad = startDad.response.payload.transactionId;
  cp.send('tag OTHER1 1');
  await t.sleep(800);
  t.ok('OTHER1 (another group) does not stop it', () => assert.equal(csms.callsFromCharger('StopTransaction', m3).length, 0));
  cp.send('tag MUM1 1');
  const stopMum = await csms.waitForCall('StopTransaction', () => true, { from: m3, timeoutMs: 5000 });
  t.ok(`StopTransaction.req transactionId ${stopMum.payload.transactionId}, idTag ${stopMum.payload.idTag} (the presenting idTag)`, () => {
    assert.equal(stopMum.payload.transactionId, txDad);
    assert.equal(stopMum.payload.idTag, 'MUM1');
  });
  t.ok('no Authorize.req for the listed group (LocalPreAuthorize)',
    () => assert.equal(csms.callsFromCharger('Authorize', m3).length, 0));
  cp.send('unplug 1');
  await cp.quit();
}, { timeoutMs: 60000 });
