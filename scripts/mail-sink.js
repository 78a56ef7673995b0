#!/usr/bin/env node
// A local SMTP server for `npm start`: keeps every email notification sends as a .eml file in
// .syllabus/mail/, so that a native stack has somewhere to deliver (docker compose uses Mailpit).
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { SMTPServer } = require('smtp-server');

const port = Number(process.argv[2] ?? 1025);
const directory = join(__dirname, '..', '.syllabus', 'mail');
mkdirSync(directory, { recursive: true });

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => {
      const file = join(directory, `${new Date().toISOString().replace(/[:.]/g, '-')}.eml`);
      writeFileSync(file, Buffer.concat(chunks));
      console.log(`mail for ${session.envelope.rcptTo.map((r) => r.address).join(', ')} → ${file}`);
      callback();
    });
  },
});
// A client that goes away mid-session resets its connection; that must not end the sink.
server.on('error', (error) => console.error(`mail sink: ${error.message}`));
server.listen(port, '127.0.0.1', () => console.log(`mail sink on smtp://127.0.0.1:${port}`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
process.once('SIGINT', () => server.close(() => process.exit(0)));
