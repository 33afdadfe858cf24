// The cross-talk check shared by the concurrency tests: every request writes a run-specific value
// (from its own `marker`) to the environment, globals and collection variables, and the next
// request checks it reads back its own run's value. Shared scopes between runs would fail it.
export const CHAIN_SCRIPT = [
  "const mine = pm.environment.get('marker');",
  "const n = Number(pm.info.requestName.split(' ')[1]);",
  "const expected = n === 1 ? undefined : mine + '-' + (n - 1);",
  "pm.test('own environment chain', () => pm.expect(pm.environment.get('chain')).to.eql(expected));",
  "pm.test('own globals chain', () => pm.expect(pm.globals.get('chain')).to.eql(expected));",
  "pm.test('own collection chain', () => pm.expect(pm.collectionVariables.get('chain')).to.eql(expected));",
  "pm.test('own header', () => pm.expect(pm.response.json().headers['x-marker']).to.eql(mine));",
  "pm.environment.set('chain', mine + '-' + n);",
  "pm.globals.set('chain', mine + '-' + n);",
  "pm.collectionVariables.set('chain', mine + '-' + n);",
];
