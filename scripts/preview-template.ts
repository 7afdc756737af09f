import path from 'node:path';
import { composeMessage } from '../activities/outreach/compose';
import { playbookReader } from '../activities/outreach/dependencies';
import { TemplateLibrary } from '../activities/outreach/templates';
import { loadKeptEnv, projectPath } from '../common/config';
import { outreachRequestSchema } from '../common/outreach/contract';
import { loadServiceProfiles } from '../common/profiles/load-profiles';

/**
 * `npm run preview -- <brand> <template> [locale]`: renders a template with sample data, through
 * the same composition as a real send (reason in the reader's language, dates in their zone and
 * locale), and prints the subject, the text part and the HTML part, and which file set was used.
 */
const SAMPLE = {
  orderId: 'A-1001',
  caseId: 'C-77',
  caseSummary: 'the left drawer sticks',
  update: 'a technician will visit on Thursday morning.',
  productName: 'Oak desk',
  customerText: 'a replacement drawer runner',
  promisedDeliveryAt: '2027-06-20T10:00:00Z',
  newEstimatedDeliveryAt: '2027-06-24T10:00:00Z',
  delayReason: 'the carrier missed a connection',
  failureReason: 'nobody was home',
  dueAt: '2027-06-18T16:00:00Z',
  endsAt: '2027-07-01T00:00:00Z',
  runsOutAt: '2027-06-30T00:00:00Z',
  surveyUrl: 'https://example.com/survey/C-77',
  helpUrl: 'https://example.com/help/oak-desk',
  reorderUrl: 'https://example.com/reorder/A-1001',
  atRisk: true,
};
/** The sample's clock: a week before the sample promise is due. */
const SAMPLE_NOW = new Date('2027-06-11T09:00:00Z');

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
  const playbooks = playbookReader();
  // The playbook that sends this template words the footer's reason; promise messages have their own.
  const playbook = playbooks(brand)?.find((one) =>
    one.actions.some((action) => 'template' in action && action.template === kind),
  );
  const journey = `kept/${brand}/customer/ada/contact`;
  const request = outreachRequestSchema.parse({
    idempotencyKey: playbook ? `${journey}/${playbook.id}/A-1001/sample` : `${journey}/promise/p-42/sample`,
    brand,
    recipient: {
      kind: 'customer',
      customerId: 'ada',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      locale: locale ?? profile.defaultLocale,
      timezone: profile.businessHours.timezone,
    },
    category: 'service',
    template: kind,
    reason: 'a sample reason',
    data: SAMPLE,
  });
  const rendered = composeMessage({
    templates,
    profile,
    request,
    template: kind,
    footer: true,
    unsubscribeUrl: 'http://localhost:8080/unsubscribe?token=sample',
    now: SAMPLE_NOW,
    playbooks,
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
