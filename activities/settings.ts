import type { OrderSettings } from '../domain/settings';

/** The business settings new runs start with (config/mappings.yaml), recorded in each run's history. */
export function createSettingsActivities(settings: OrderSettings) {
  return {
    async orderSettings(): Promise<OrderSettings> {
      return settings;
    },
  };
}

export type SettingsActivities = ReturnType<typeof createSettingsActivities>;
