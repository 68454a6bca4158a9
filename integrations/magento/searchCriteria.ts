/** Magento `searchCriteria` query strings: filters in a group are OR'd, groups are AND'd. */
export type ConditionType = 'eq' | 'neq' | 'in' | 'nin' | 'like' | 'gt' | 'lt' | 'gteq' | 'lteq' | 'null' | 'notnull';

export interface Filter {
  field: string;
  value: string | number;
  conditionType?: ConditionType;
}

export interface SearchOptions {
  pageSize?: number;
  currentPage?: number;
  sortOrders?: Array<{ field: string; direction: 'ASC' | 'DESC' }>;
}

export function searchCriteriaQuery(groups: Filter[][], options: SearchOptions = {}): string {
  const params = new URLSearchParams();
  groups.forEach((filters, i) =>
    filters.forEach((filter, j) => {
      const prefix = `searchCriteria[filter_groups][${i}][filters][${j}]`;
      params.append(`${prefix}[field]`, filter.field);
      params.append(`${prefix}[value]`, String(filter.value));
      params.append(`${prefix}[condition_type]`, filter.conditionType ?? 'eq');
    }),
  );
  options.sortOrders?.forEach((sort, k) => {
    params.append(`searchCriteria[sortOrders][${k}][field]`, sort.field);
    params.append(`searchCriteria[sortOrders][${k}][direction]`, sort.direction);
  });
  if (options.pageSize !== undefined) params.append('searchCriteria[pageSize]', String(options.pageSize));
  if (options.currentPage !== undefined) params.append('searchCriteria[currentPage]', String(options.currentPage));
  if (groups.length === 0 && options.pageSize === undefined) params.append('searchCriteria', '');
  return params.toString();
}
