// Collection items for tests that plan or select without running: a request, a folder of n requests.
export const request = (name: string) => ({ name, request: 'http://x/' });
export const folder = (name: string, count: number) => ({ name, item: Array.from({ length: count }, (_, i) => request(`${name}-${i}`)) });
