// Reference solution for the challenge flood: far more SENDs than one refill pays for (400 SENDs): 2,500 at once.
function* main(sys) {
  for (let i = 0; i < 2500; i++) yield sys.call('chat', 'send', ['#lobby', 'flood ' + i]);
}
