import nodemailer from 'nodemailer';

/** The baseline's one side effect: an order confirmation over SMTP, one Message-ID per event. */
export interface ConfirmationRequest {
  to: string;
  eventId: string;
}

export function createBareActivities(smtpPort: number) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
  return {
    async sendConfirmation(request: ConfirmationRequest): Promise<void> {
      await transport.sendMail({
        from: 'bench@bare.example',
        to: request.to,
        subject: 'Your order is confirmed',
        text: 'Thank you for your order.',
        messageId: `<bare-${request.eventId}@bench.example>`,
      });
    },
  };
}

export type BareActivities = ReturnType<typeof createBareActivities>;
