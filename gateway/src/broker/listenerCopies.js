// Child process of acceptMany.ts: for each listening socket handle it is given with
// `{ index, count }`, sends the handle back `count` times as `{ index }`; each copy arrives in the
// parent as another file descriptor of the same socket (SCM_RIGHTS). It passes raw handles on and
// never listens, so it accepts no connection itself. The parent ends it once every copy arrived.
process.on('message', ({ index, count }, handle) => {
  for (let i = 0; i < count; i++) process.send({ index }, handle);
});
process.once('disconnect', () => process.exit(0));
