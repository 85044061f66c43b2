/** Standalone SMTP sink for docker-compose: SMTP on 1025, received mail listed on http://:8025/messages. */
import { MailSink } from '@leadgraph/platform';

const sink = new MailSink();
sink
  .start({ smtpPort: Number(process.env.SMTP_PORT ?? 1025), httpPort: Number(process.env.HTTP_PORT ?? 8025), host: '0.0.0.0' })
  .then(() => console.log(`mail sink: smtp ${sink.smtpPort}, http ${sink.httpPort}`))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
process.once('SIGTERM', () => void sink.stop().then(() => process.exit(0)));
