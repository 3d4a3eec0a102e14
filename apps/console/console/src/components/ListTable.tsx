// A Cloudscape Table with text filtering, sorting and pagination (collection-hooks), as each list
// page shows its resources: what useLoad loaded, with a Refresh button that loads it again.
import { useCollection } from '@cloudscape-design/collection-hooks';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import Pagination from '@cloudscape-design/components/pagination';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import type { ReactNode } from 'react';
import type { Loaded } from '../hooks';

export interface ListTableProps<T> {
  title: string;
  description?: string;
  /** The list as loaded; Refresh calls its reload(). */
  list: Loaded<readonly T[]>;
  columns: TableProps.ColumnDefinition<T>[];
  /** The resource's name in messages and labels, plural ("applications"): the title in lower case
   * unless given. */
  noun?: string;
  trackBy: TableProps.TrackBy<T>;
  empty?: ReactNode;
}

export function ListTable<T>(props: ListTableProps<T>) {
  const { list } = props;
  const noun = props.noun ?? props.title.toLowerCase();
  const all = list.data ?? [];
  const { items, filteredItemsCount, collectionProps, filterProps, paginationProps } = useCollection(all, {
    filtering: {
      empty: <Box textAlign="center">{props.empty ?? `No ${noun}`}</Box>,
      noMatch: <Box textAlign="center">No {noun} match the filter</Box>,
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
      loading={list.loading}
      loadingText={`Loading ${noun}`}
      ariaLabels={{ tableLabel: props.title }}
      variant="container"
      wrapLines
      header={
        <Header
          variant="h2"
          counter={list.loading ? undefined : `(${all.length})`}
          description={props.description}
          actions={
            <Button iconName="refresh" onClick={list.reload} ariaLabel={`Refresh ${noun}`}>
              Refresh
            </Button>
          }
        >
          {props.title}
        </Header>
      }
      filter={
        <TextFilter
          {...filterProps}
          filteringPlaceholder={`Find ${noun}`}
          filteringAriaLabel={`Filter ${noun}`}
          countText={`${filteredItemsCount ?? 0} matches`}
        />
      }
      pagination={<Pagination {...paginationProps} ariaLabels={{ nextPageLabel: 'Next page', previousPageLabel: 'Previous page', pageLabel: (n) => `Page ${n}` }} />}
    />
  );
}
