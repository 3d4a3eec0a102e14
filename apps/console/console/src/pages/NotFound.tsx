import Box from '@cloudscape-design/components/box';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import { useFollow, usePage } from '../components/Shell';

export default function NotFoundPage() {
  usePage('Page not found', [{ text: 'Page not found', href: '#/' }]);
  const follow = useFollow();
  return (
    <ContentLayout header={<Header variant="h1">Page not found</Header>}>
      <Box>
        This console has no such page. Go to{' '}
        <Link href="#/apps" onFollow={follow}>
          Applications
        </Link>
        .
      </Box>
    </ContentLayout>
  );
}
