// integration.config — GetConfiguration / ChangeConfiguration, and persistence across restarts.
//   OCPP 1.6 §5.3 (Change Configuration: Accepted / Rejected for "values that do not conform to
//   an expected format" and "out-of-range values" / NotSupported for an unknown key),
//   §5.8 (Get Configuration: all keys when the list is empty or missing; unknown keys in
//   unknownKey), §6.23/§6.24 (GetConfiguration.req/.conf), §7.29 (KeyValue), §9.1 (standard keys).
'use strict';

const { scenario } = require('./lib/harness');

const EXPECTED_KEYS = ['HeartbeatInterval', 'MeterValueSampleInterval', 'TransactionMessageAttempts',
  'TransactionMessageRetryInterval', 'AuthorizeRemoteTxRequests', 'WebSocketPingInterval', 'ConnectionTimeOut'];
const INT_KEYS = ['HeartbeatInterval', 'MeterValueSampleInterval', 'TransactionMessageAttempts',
  'TransactionMessageRetryInterval', 'WebSocketPingInterval', 'ConnectionTimeOut'];

async function getKeys(csms, keys) {
  const res = await csms.call('GetConfiguration', keys ? { key: keys } : {});
  const map = new Map((res.configurationKey || []).map((k) => [k.key, k]));
  return { res, map };
}

scenario('config', async (t) => {
  const { assert } = t;
  let { csms, cp } = await t.bootedPair();

  // -------------------------------------------------------------------------------------------
  t.step('GetConfiguration with no key: every key');
  const all = await getKeys(csms);
  t.ok(`${all.map.size} keys returned; the standard keys are among them: ${EXPECTED_KEYS.join(', ')} (§5.8, §9.1)`,
    () => EXPECTED_KEYS.forEach((k) => assert.ok(all.map.has(k), `missing ${k}`)));
  t.ok('no unknownKey in the answer to "all keys"', () => assert.ok(!all.res.unknownKey || all.res.unknownKey.length === 0));
  t.ok('keys are unique', () => assert.equal(all.map.size, all.res.configurationKey.length));
  t.ok('each KeyValue has a boolean readonly (§7.29)', () => all.res.configurationKey.forEach((k) => assert.equal(typeof k.readonly, 'boolean', k.key)));
  t.ok(`integer keys hold integers: ${INT_KEYS.map((k) => `${k}=${all.map.get(k).value}`).join(' ')}`,
    () => INT_KEYS.forEach((k) => assert.match(String(all.map.get(k).value), /^\d+$/, k)));
  const empty = await getKeys(csms, []);
  t.ok(`GetConfiguration with an empty key list also returns every key (§5.8): ${empty.map.size}`, () => assert.equal(empty.map.size, all.map.size));

  t.step('GetConfiguration by key, with an unknown key');
  const some = await getKeys(csms, ['HeartbeatInterval', 'NoSuchKeyXyz', 'MeterValueSampleInterval']);
  t.ok(`configurationKey = ${JSON.stringify([...some.map.keys()])}`, () => {
    assert.deepEqual([...some.map.keys()].sort(), ['HeartbeatInterval', 'MeterValueSampleInterval']);
  });
  t.ok(`unknownKey = ${JSON.stringify(some.res.unknownKey)} (§5.8)`, () => assert.deepEqual(some.res.unknownKey, ['NoSuchKeyXyz']));
  t.ok('HeartbeatInterval by key has the same value as in "all"', () => assert.equal(some.map.get('HeartbeatInterval').value, all.map.get('HeartbeatInterval').value));

  // -------------------------------------------------------------------------------------------
  t.step('ChangeConfiguration');
  const change = (key, value) => csms.call('ChangeConfiguration', { key, value }).then((r) => r.status);
  let em = cp.mark();
  let st = await change('MeterValueSampleInterval', '7');
  t.ok(`MeterValueSampleInterval=7 -> ${st} (§5.3)`, () => assert.equal(st, 'Accepted'));
  const ev = await cp.waitFor((e) => e.event === 'configuration_changed', { from: em, timeoutMs: 3000 });
  t.ok(`daemon reports configuration_changed ${ev.key}=${ev.value}`, () => assert.deepEqual([ev.key, ev.value], ['MeterValueSampleInterval', '7']));
  let after = await getKeys(csms, ['MeterValueSampleInterval']);
  t.ok('GetConfiguration reads it back as "7"', () => assert.equal(after.map.get('MeterValueSampleInterval').value, '7'));

  st = await change('TransactionMessageRetryInterval', '13');
  t.ok(`TransactionMessageRetryInterval=13 -> ${st}`, () => assert.equal(st, 'Accepted'));

  const before = (await getKeys(csms, ['HeartbeatInterval'])).map.get('HeartbeatInterval').value;
  em = cp.mark();
  st = await change('HeartbeatInterval', 'abc');
  t.ok(`HeartbeatInterval="abc" -> ${st} (§5.3: a value that does not conform to the expected format)`, () => assert.equal(st, 'Rejected'));
  st = await change('MeterValueSampleInterval', '-5');
  t.ok(`MeterValueSampleInterval="-5" -> ${st} (§5.3: out-of-range value; an interval in seconds)`, () => assert.equal(st, 'Rejected'));
  st = await change('ConnectionTimeOut', '12.5');
  t.ok(`ConnectionTimeOut="12.5" -> ${st} (§9.1.6: integer)`, () => assert.equal(st, 'Rejected'));
  st = await change('AuthorizeRemoteTxRequests', 'maybe');
  t.ok(`AuthorizeRemoteTxRequests="maybe" -> ${st} (§9.1.3: boolean)`, () => assert.equal(st, 'Rejected'));
  after = await getKeys(csms, ['HeartbeatInterval', 'MeterValueSampleInterval', 'ConnectionTimeOut']);
  t.ok('rejected values changed nothing', () => {
    assert.equal(after.map.get('HeartbeatInterval').value, before);
    assert.equal(after.map.get('MeterValueSampleInterval').value, '7');
    assert.equal(after.map.get('ConnectionTimeOut').value, all.map.get('ConnectionTimeOut').value);
  });
  t.ok('no configuration_changed event for rejected values', () => assert.equal(cp.find((e) => e.event === 'configuration_changed', em).length, 0));

  st = await change('NoSuchKeyXyz', '1');
  t.ok(`unknown key NoSuchKeyXyz -> ${st} (§5.3)`, () => assert.equal(st, 'NotSupported'));
  const ro = all.res.configurationKey.find((k) => k.readonly);
  if (ro) {
    st = await change(ro.key, ro.value);
    t.ok(`read-only key ${ro.key} -> ${st} (a read-only setting is not set: Rejected)`, () => assert.equal(st, 'Rejected'));
  } else {
    t.log('   (no read-only key reported; read-only check skipped)');
  }

  // -------------------------------------------------------------------------------------------
  t.step('values persist across a clean restart (quit, start again on the same DB)');
  const exit = await cp.quit();
  t.ok(`daemon exited cleanly on quit (code ${exit.code})`, () => {
    assert.equal(exit.code, 0);
    assert.ok(cp.find((e) => e.event === 'stopped').length >= 1, 'printed {"event":"stopped"}');
  });
  await cp.start();
  await cp.waitFor((e) => e.event === 'boot' && e.status === 'Accepted' && e.run === 2, { timeoutMs: 10000, desc: 'boot Accepted after restart' });
  after = await getKeys(csms, ['MeterValueSampleInterval', 'TransactionMessageRetryInterval']);
  t.ok(`after restart MeterValueSampleInterval=${after.map.get('MeterValueSampleInterval').value}, TransactionMessageRetryInterval=${after.map.get('TransactionMessageRetryInterval').value}`, () => {
    assert.equal(after.map.get('MeterValueSampleInterval').value, '7');
    assert.equal(after.map.get('TransactionMessageRetryInterval').value, '13');
  });

  t.step('a value acknowledged just before kill -9 persists too');
  st = await change('ConnectionTimeOut', '45');
  t.ok(`ConnectionTimeOut=45 -> ${st}`, () => assert.equal(st, 'Accepted'));
  await cp.kill9();
  await cp.start();
  await cp.waitFor((e) => e.event === 'boot' && e.status === 'Accepted' && e.run === 3, { timeoutMs: 10000, desc: 'boot Accepted after kill -9' });
  after = await getKeys(csms, ['ConnectionTimeOut', 'MeterValueSampleInterval']);
  t.ok(`after kill -9: ConnectionTimeOut=${after.map.get('ConnectionTimeOut').value}, MeterValueSampleInterval=${after.map.get('MeterValueSampleInterval').value}`, () => {
    assert.equal(after.map.get('ConnectionTimeOut').value, '45');
    assert.equal(after.map.get('MeterValueSampleInterval').value, '7');
  });
  await cp.quit();
  void csms;
}, { timeoutMs: 60000 });
