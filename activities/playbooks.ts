import { DEFAULT_PLAYBOOKS_DIR, loadPlaybooks } from '../common/playbooks/load';
import type { PlaybookSet } from '../common/playbooks/schema';

/**
 * The journey reads its brand's playbooks through this activity, at each decision: the
 * files are read afresh, so an edited playbook reaches running journeys from their next
 * decision on, and the answer (with its content-hash version) is recorded in the journey's
 * history, so replay sees exactly the playbooks each decision used.
 */
export function createPlaybookActivities(directory: string = DEFAULT_PLAYBOOKS_DIR) {
  return {
    async currentPlaybooks(brand: string): Promise<PlaybookSet> {
      return loadPlaybooks(brand, directory);
    },
  };
}
