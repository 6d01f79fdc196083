// Reference solution for the challenge stale-participant: close the participant, let a newcomer reuse its
// receiver record, then use the old cap (its cookie is a generation behind).
function* main(sys) {
  yield sys.call('chat', 'close', []);
  yield sys.spawn('chat-client', { grants: { chat: '@root', session: '@session' } });
  yield sys.sleep(100);
  const r = yield sys.call('chat', 'send', ['#lobby', 'it is still me']);
  yield sys.call('stdio', 'write', [r.ok ? 'sent through a closed cap' : 'refused: ' + r.code]);
}
