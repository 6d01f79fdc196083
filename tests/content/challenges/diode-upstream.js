// Reference solution for the challenge diode-upstream: a write up the INPUT pairing, against the Diode.
function* main(sys) {
  const r = yield sys.call('telemetry', 'write', ['memo.txt', 'written from the MediaKit']);
  yield sys.call('stdio', 'write', [r.ok ? r.value : 'refused: ' + r.code]);
}
