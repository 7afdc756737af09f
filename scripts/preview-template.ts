import path from 'node:path';
import { loadKeptEnv, projectPath } from '../common/config';
import { loadServiceProfiles } from '../common/profiles/load-profiles';
import { signOff, TemplateLibrary } from '../activities/outreach/templates';

/**
 * `npm run preview -- <brand> <template> [locale]`: renders a template with sample data
 * and prints the subject, the text part and the HTML part, and which file set was used.
 */
const SAMPLE = {
  customer: { name: 'Ada Lovelace', firstName: 'Ada', email: 'ada@example.com', phone: '+447700900123' },
  customerId: 'ada',
  orderId: 'A-1001',
  caseId: 'C-77',
  caseSummary: 'the left drawer sticks',
  update: 'a technician will visit on Thursday morning.',
  productName: 'Oak desk',
  promiseText: 'a replacement drawer runner',
  promisedDeliveryAt: '2027-06-20T10:00:00Z',
  newEstimatedDeliveryAt: '2027-06-24T10:00:00Z',
  delayReason: 'the carrier missed a connection',
  failureReason: 'nobody was home',
  dueAt: '2027-06-18T16:00:00Z',
  endsAt: '2027-07-01T00:00:00Z',
  runsOutAt: '2027-06-30T00:00:00Z',
  status: 'the part has arrived at our workshop and is being fitted.',
  nextStep: 'your advisor will call you tomorrow to arrange a time.',
  surveyUrl: 'https://example.com/survey/C-77',
  helpUrl: 'https://example.com/help/oak-desk',
  reorderUrl: 'https://example.com/reorder/A-1001',
  atRisk: true,
  taskId: 'kept/acme/customer/ada/step-1',
  taskKind: 'delivery.late',
};

function main(args: string[]): number {
  const [brand, kind, locale] = args;
  if (!brand || !kind) {
    console.error(
      'usage: npm run preview -- <brand> <template> [locale]   e.g. npm run preview -- nordhem delivery.late',
    );
    return 2;
  }
  const env = loadKeptEnv();
  const profile = loadServiceProfiles(projectPath(env.KEPT_PROFILES_DIR)).get(brand);
  if (!profile) {
    console.error(`unknown brand ${brand} (profiles are in ${env.KEPT_PROFILES_DIR})`);
    return 1;
  }
  const templates = new TemplateLibrary(projectPath(env.KEPT_TEMPLATES_DIR));
  const effectiveLocale = locale ?? profile.defaultLocale;
  const rendered = templates.render({
    brand,
    kind,
    locale: effectiveLocale,
    brandDefaultLocale: profile.defaultLocale,
    footer: true,
    context: {
      recovery: profile.promises.recovery,
      ...SAMPLE,
      brand: {
        id: brand,
        displayName: profile.displayName,
        signature: signOff(effectiveLocale, profile.sender.fromName),
      },
      recipientName: 'Camille',
      reason: 'your delivery is running late',
      unsubscribeUrl: 'http://localhost:8080/unsubscribe?token=sample',
      timezone: profile.businessHours.timezone,
    },
  });
  console.log(
    `template: ${path.join(env.KEPT_TEMPLATES_DIR, rendered.source, kind)}.*.hbs (locale ${rendered.locale})`,
  );
  console.log(`subject: ${rendered.subject}\n`);
  console.log('--- text ---');
  console.log(rendered.text);
  console.log('--- html ---');
  console.log(rendered.html);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
