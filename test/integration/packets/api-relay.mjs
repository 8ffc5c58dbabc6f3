// Runs inside the "node" network namespace: kube-router there reaches the test cluster's
// kube-apiserver (bound to the host's 127.0.0.1, invisible from this namespace) through
// 127.0.0.1:<port> of this namespace, relayed to a Unix socket that the test serves on the host side
// (a socket path is the same in every network namespace).
import { connect, createServer } from "node:net";

const [port, socketPath] = process.argv.slice(2);
const server = createServer((client) => {
  const upstream = connect(socketPath);
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", close);
  upstream.on("error", close);
});
server.listen(Number(port), "127.0.0.1", () => process.stdout.write("ready\n"));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
