import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// CI runs every package's suites in parallel on two cores: the first render of
// a Backstage app (MUI styles, lazy extensions) can take seconds there. Give
// findBy*/waitFor and each test room so a slow machine is not a failure; a
// missing element still fails, only later.
configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);
