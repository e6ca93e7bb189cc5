/**
 * `@blindbox/log-server`: the embedded transparency log behind `blindbox log serve` — an RFC 6962
 * Merkle log on local files with a Rekor v1 write API and the C2SP tlog-tiles / signed-checkpoint
 * read API. Node.js only. Clients, signing and verification are in `@blindbox/transparency`.
 */
export { type LogServerOptions, type RunningLogServer, startLogServer } from './start-log-server.js';
