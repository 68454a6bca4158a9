/** All activities the worker registers, grouped by the system they talk to (factories over typed clients). */
export type ProductActivities = Record<string, (...args: never[]) => Promise<unknown>>;

export function createActivities(): ProductActivities {
  return {};
}
