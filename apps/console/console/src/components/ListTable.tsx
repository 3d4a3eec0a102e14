// A Cloudscape Table with text filtering, sorting and pagination (collection-hooks), as each list
// page shows its resources.
import { useCollection } from '@cloudscape-design/collection-hooks';
import Box from '@cloudscape-design/components/box';
import Header from '@cloudscape-design/components/header';
import Pagination from '@cloudscape-design/components/pagination';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import type { ReactNode } from 'react';

export interface ListTableProps<T> {
  title: string;
  description?: string;
  actions?: ReactNode;
  items: readonly T[];
  loading: boolean;
  columns: TableProps.ColumnDefinition<T>[];
  /** The resource's name in messages, plural ("applications"). */
  noun: string;
  trackBy: TableProps.TrackBy<T>;
  empty?: ReactNode;
}

export function ListTable<T>(props: ListTableProps<T>) {
  const { items, filteredItemsCount, collectionProps, filterProps, paginationProps } = useCollection(props.items, {
    filtering: {
      empty: <Box textAlign="center">{props.empty ?? `No ${props.noun}`}</Box>,
      noMatch: <Box textAlign="center">No {props.noun} match the filter</Box>,
    },
    sorting: {},
    pagination: { pageSize: 25 },
  });
  return (
    <Table
      {...collectionProps}
      items={items}
      trackBy={props.trackBy}
      columnDefinitions={props.columns}
      loading={props.loading}
      loadingText={`Loading ${props.noun}`}
      ariaLabels={{ tableLabel: props.title }}
      variant="container"
      wrapLines
      header={
        <Header
          variant="h2"
          counter={props.loading ? undefined : `(${props.items.length})`}
          description={props.description}
          actions={props.actions}
        >
          {props.title}
        </Header>
      }
      filter={
        <TextFilter
          {...filterProps}
          filteringPlaceholder={`Find ${props.noun}`}
          filteringAriaLabel={`Filter ${props.noun}`}
          countText={`${filteredItemsCount ?? 0} matches`}
        />
      }
      pagination={<Pagination {...paginationProps} ariaLabels={{ nextPageLabel: 'Next page', previousPageLabel: 'Previous page', pageLabel: (n) => `Page ${n}` }} />}
    />
  );
}
