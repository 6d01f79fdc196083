// Reference solution for the challenge speak-as-bob: relabel a delegated facet of @chat to bob's badge (Gate 0).
function* main(sys) {
  const r = yield sys.spawn('chat-client', { name: 'impostor', grants: { chat: 'client @chat badge 200' }, argv: ['stay'] });
  yield sys.call('stdio', 'write', [r.ok ? 'impostor started' : 'refused: ' + r.code]);
}
